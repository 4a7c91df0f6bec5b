// The Slurm executor: a task's worker runs as one batch job (`sbatch`), its state is
// the job's (one `squeue` for every job asked about), and a cancel is `scancel`.
// The state dir must be on a filesystem the nodes share, with Node.js and dev-tools
// at the same paths there (README: "Running tasks on Slurm").
import { closeSync } from 'node:fs';
import {
  answerIsAbout,
  batchScript,
  isUnknownJobError,
  jobName,
  jobVerdict,
  outputPattern,
  parseScontrolJob,
  type JobStates,
  type JobStop,
} from '../core/slurm.js';
import type { Task } from '../core/task.js';
import { readLaunchEnv } from '../store/launch-env.js';
import { Ledger } from '../store/ledger.js';
import type { TaskStore } from '../store/tasks.js';
import { openLogForAppend, type Executor, type StartedWorker, type WorkerStates } from './executor.js';
import { runtimeFile } from './runtime-files.js';
import { findSlurmCommand, firstLine, runSlurm, SlurmUnavailable } from './slurm-commands.js';
import { jobStates, QUERY_TIMEOUT_MS } from './slurm-jobs.js';

/** sbatch waits for the controller; past this, the submission is given up (and the task fails). */
const SBATCH_TIMEOUT_MS = 60_000;
/** scancel is asked for by a user, who waits for it: long enough to hear its own complaint (9 s with no controller). */
const CANCEL_TIMEOUT_MS = 12_000;

/**
 * Submits a task's worker as a batch job and returns the job id. sbatch runs with the
 * launching shell's environment (env/<id>.json), which it exports to the job as
 * Slurm does by default; the worker reads the same file, so the command gets that
 * environment whoever submits it, as a local task does.
 */
async function submit(store: TaskStore, task: Task, executorArgs: readonly string[]): Promise<StartedWorker> {
  // The task's own options after the executor's: for sbatch the last of two wins.
  const sbatchArgs = [...executorArgs, ...(task.slurm?.sbatchArgs ?? [])];
  const launch = readLaunchEnv(store.paths, task.id);
  if ('problem' in launch) throw new Error(`the environment of the shell that launched it is ${launch.problem} (env/${task.id}.json)`);
  const sbatch = findSlurmCommand('sbatch', launch.env.PATH);
  if ('problem' in sbatch) throw new Error(sbatch.problem);
  // The log is made here, new, as for a local worker: anything already at its path was planted.
  const log = store.logPath(task.id);
  closeSync(openLogForAppend(log, 'new'));
  const args = [
    // Requeued after a node failure, the job would start a second worker for a task that ran.
    '--no-requeue',
    ...sbatchArgs,
    '--parsable',
    `--job-name=${jobName(task.id)}`,
    `--output=${outputPattern(log)}`,
    '--open-mode=append',
    `--chdir=${store.paths.home}`,
  ];
  const script = batchScript(process.execPath, runtimeFile('worker'), store.paths.home, task.id);
  const r = await runSlurm(sbatch.path, args, { env: launch.env, input: script, timeoutMs: SBATCH_TIMEOUT_MS });
  // --parsable prints `<job id>[;<cluster>]`.
  const jobId = /^(\d+)(;\S*)?$/.exec(r.stdout.trim())?.[1];
  if (r.code !== 0 || !jobId) {
    const why = firstLine(r.stderr) || firstLine(r.stdout) || `exit code ${r.code}`;
    throw new Error(why.startsWith('sbatch') ? why : `sbatch: ${why}`);
  }
  return { jobId };
}

/** What Slurm says of a job right now (`scontrol -o show job`), for a worker Slurm signalled; null when it cannot be asked. */
export async function jobStop(jobId: string): Promise<JobStop | null> {
  try {
    const r = await runSlurm('scontrol', ['-o', 'show', 'job', jobId], { timeoutMs: QUERY_TIMEOUT_MS });
    return r.code === 0 ? parseScontrolJob(r.stdout) : null;
  } catch {
    return null;
  }
}

/** `scancel <job>`: TERM to every process of the job, KILL after the cluster's KillWait. */
export async function cancelJob(jobId: string): Promise<void> {
  const r = await runSlurm('scancel', [jobId], { timeoutMs: CANCEL_TIMEOUT_MS });
  // A job that already ended is what cancel wanted.
  if (r.code !== 0 && !isUnknownJobError(r.stderr) && !/already completing or completed/i.test(r.stderr)) {
    throw new SlurmUnavailable(`scancel ${jobId}: ${firstLine(r.stderr) || `exit code ${r.code}`}`);
  }
}

export function statesFrom(jobs: JobStates): WorkerStates {
  const states: WorkerStates = (task) => {
    const jobId = task.slurm?.jobId;
    if (!jobId || !answerIsAbout(jobs, task)) return { state: 'unknown' };
    const v = jobVerdict(jobs, jobId);
    if (v.kind === 'unknown') return { state: 'unknown' };
    if (v.kind === 'ended') return { state: 'ended', reason: v.reason, jobState: v.state };
    return v.info.state === 'PENDING' ? { state: 'pending' } : { state: 'alive', node: v.info.node };
  };
  states.problem = jobs.error ?? jobs.stale ?? null;
  states.jobs = jobs;
  return states;
}

/** A Slurm executor submitting with these extra sbatch options. */
export function slurmExecutor(sbatchArgs: readonly string[] = []): Executor {
  return {
    type: 'slurm',
    start: (store, task) => submit(store, task, sbatchArgs),
    async cancel(store, task) {
      const jobId = task.slurm?.jobId;
      if (!jobId) return false;
      // Made first, so the worker knows the SIGTERM that comes is this cancel (not a time limit, not an admin).
      const ledger = new Ledger(store.paths, task.id);
      let marked = false;
      try {
        // A mark left by an earlier cancel that Slurm took is not this one's to withdraw.
        marked = !ledger.cancelRequested();
        ledger.requestCancel();
      } catch {
        // no ledger (the worker has not started or has ended): the job is all there is to stop
      }
      try {
        await cancelJob(jobId);
      } catch (err) {
        // Not cancelled: a stop that comes later from outside (a time limit, an admin) must not read as this cancel.
        if (marked) ledger.withdrawCancel();
        throw err;
      }
      return true;
    },
    async states(store, tasks, freshness = 'cached') {
      const ids = tasks.flatMap((t) => (t.slurm?.jobId ? [t.slurm.jobId] : []));
      return statesFrom(await jobStates(store.paths, ids, freshness));
    },
  };
}
