// The worker as a Slurm batch job (`worker.cjs <home> <id> slurm`, exec'd by the job's
// script): its job and node come from what Slurm sets in the job's environment.
import { hostname } from 'node:os';
import { slurmVariables, startedAsJob, stoppedJobReason } from '../../../core/slurm.js';
import { underSchedulerLock } from '../../scheduler.js';
import type { JobWorker } from '../executor.js';
import { jobStop } from './commands.js';
import { recordRequeued } from './reap.js';

/** How long a failed step waits for the SIGTERM Slurm sends the worker with the command's (task-run.ts). */
const SLURM_SIGNAL_SETTLE_MS = 250;

/** The job this worker runs as (a requeued run counts its restarts), or null outside a batch job. */
export function slurmJobWorker(env: NodeJS.ProcessEnv): JobWorker | null {
  const jobId = env.SLURM_JOB_ID;
  if (!jobId || !/^\d+$/.test(jobId)) return null;
  const node = env.SLURMD_NODENAME || hostname();
  const restarts = Number(env.SLURM_RESTART_COUNT) || 0;
  return {
    jobId,
    signalSettleMs: SLURM_SIGNAL_SETTLE_MS,
    async beforeStart(store, found) {
      // A job Slurm requeued starts this worker again: the task's first run ended with its worker killed.
      if (restarts > 0) await underSchedulerLock(store, 30_000, () => recordRequeued(store, found, jobId));
    },
    started: (task) => startedAsJob(task, { jobId, node }),
    // In a job, the command also gets what Slurm gives the job (SLURM_JOB_ID, SLURM_CPUS_ON_NODE, ...).
    commandEnv: () => slurmVariables(env),
    // Not a dev-tools cancel: the cluster stopped the job (scancel from outside, its time limit,
    // preemption, a requeue); what Slurm says of the job at that moment replaces the first words.
    stoppedFromOutside: () => ({
      status: 'interrupted',
      error: stoppedJobReason(jobId, null, restarts),
      detail: jobStop(jobId).then((stop) => stoppedJobReason(jobId, stop, restarts)),
    }),
  };
}
