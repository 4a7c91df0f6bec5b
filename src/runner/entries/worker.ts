// The detached worker: `node worker.cjs <stateHome> <taskId>`, or `... slurm` as the
// batch job of a Slurm task. This is the process around a task's run (task-run.ts):
// its arguments, signals, what must be in place before a command can run, and a tidy
// ledger on every way out.
import { closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { describeError, TaskError } from '../../core/errors.js';
import { slurmVariables, startedAsJob, stoppedJobReason } from '../../core/slurm.js';
import { isBroken, waitsForWorker } from '../../core/task.js';
import { loadConfigOrLastValid, type Config } from '../../store/config.js';
import { readLaunchEnv, removeLaunchEnv } from '../../store/launch-env.js';
import { Ledger } from '../../store/ledger.js';
import { ensureStateDirs, statePaths } from '../../store/paths.js';
import { TaskStore } from '../../store/tasks.js';
import { openLogForAppend } from '../executor.js';
import { runFinishHook } from '../finish-hook.js';
import { liveGroups } from '../orphans.js';
import { ownStartTime } from '../proc.js';
import { schedule, underSchedulerLock } from '../scheduler.js';
import { jobStop } from '../slurm.js';
import { recordRequeued } from '../slurm-tasks.js';
import { Abandoned, underFirstWriteLock } from '../hand-over.js';
import { TaskRun } from '../task-run.js';
import { complain } from '../state-writer.js';
import { logLine } from '../step.js';
import { testPoint } from '../test-stop.js';

/** How long a failed step waits for the SIGTERM Slurm sends the worker with the command's (task-run.ts). */
const SLURM_SIGNAL_SETTLE_MS = 250;

/** Runs the worker; every way out leaves its ledger tidy (or to the sweepers, if a group outlived KILL). */
async function main(): Promise<void> {
  const [home, id, mode] = process.argv.slice(2);
  const job = mode === 'slurm' ? slurmJob() : null;
  if (!home || !id || (mode !== undefined && !job)) {
    complain('usage: worker.cjs <stateHome> <taskId> [slurm]   (slurm: as a batch job, with SLURM_JOB_ID set)');
    process.exit(2);
  }
  let run: TaskRun | null = null;
  const early: { stop: Parameters<TaskRun['onCancel']> | null } = { stop: null };
  const onTerm = () => {
    const as = stopReason();
    if (run) run.onCancel(...as);
    else early.stop = as;
  };
  // On Slurm, SIGTERM is a dev-tools cancel only if `cancel` said so first; else the cluster
  // stopped the job (scancel from outside, its time limit, preemption, a requeue) and the
  // task is interrupted, with what Slurm says of the job at that moment.
  const stopReason = (): Parameters<TaskRun['onCancel']> =>
    job && !ledger.cancelRequested()
      ? [
          {
            status: 'interrupted',
            error: stoppedJobReason(job.jobId, null, job.restarts),
            detail: jobStop(job.jobId).then((stop) => stoppedJobReason(job.jobId, stop, job.restarts)),
          },
        ]
      : [];
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGHUP', () => {}); // a closed terminal is not a cancel
  // Its stdout and stderr are the task's log: a write that fails (a full disk) is no reason to die.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});

  const store = new TaskStore(statePaths(home));
  ensureStateDirs(store.paths);
  // First of all, so that a reader can tell this worker is alive before its pid is in the task file.
  const ledger = new Ledger(store.paths, id);
  ledger.open({ pid: process.pid, startTime: ownStartTime(), ...(job ? { job: job.jobId } : {}) });
  let config: Config | null = null;
  // The hook runs in the environment the task ran in (the launching shell's), not this worker's.
  let hookEnv: NodeJS.ProcessEnv | undefined;
  try {
    const found = store.read(id);
    // A job Slurm requeued starts this worker again: the task's first run ended with its worker killed.
    if (job && job.restarts > 0) await underSchedulerLock(store, 30_000, () => recordRequeued(store, found, job.jobId));
    if (!waitsForWorker(found, job?.jobId)) throw new Abandoned(`task ${id} is not waiting for a worker`);
    // A Slurm task turns `running` with this worker's first write, which names its job and node.
    const entry = job ? startedAsJob(found, job) : found;
    const setup = await prepare(store, id);
    if ('config' in setup) config = setup.config;
    if ('failure' in setup) {
      // Fails the task before any command ran (as its first write, under the lock).
      await underFirstWriteLock(store, entry, () =>
        store.write({
          ...entry,
          status: 'failed',
          pid: process.pid,
          pidStartTime: ownStartTime(),
          completedAt: new Date().toISOString(),
          error: setup.failure,
        }),
      );
    } else {
      // In a job, the command also gets what Slurm gives the job (SLURM_JOB_ID, SLURM_CPUS_ON_NODE, ...).
      const env = job ? { ...setup.env, ...slurmVariables(process.env) } : setup.env;
      hookEnv = env;
      run = new TaskRun(store, setup.config, ledger, entry, setup.logFd, env, job ? SLURM_SIGNAL_SETTLE_MS : 0);
      if (early.stop) run.onCancel(...early.stop);
      try {
        await run.run();
      } finally {
        closeSync(setup.logFd);
      }
    }
  } finally {
    removeLaunchEnv(store.paths, id);
    closeLedger(ledger);
  }
  // Reached only when this worker recorded the final state (an abandoned task is its reaper's).
  config ??= (await loadConfigOrLastValid(store.paths).catch(() => null))?.config ?? null;
  if (config) {
    const final = store.read(id);
    testPoint('finish-hook');
    if (final && !isBroken(final)) runFinishHook(store, config, final, hookEnv);
  }
  // This worker freed a slot (or failed to take it): start what waits, by the config it ran with.
  // A job's worker held no local slot, and runs on a node that is not where the others run.
  if (job) return;
  if (config) await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => undefined);
}

/** The job this worker runs as, from what Slurm sets in a batch job's environment (a requeued run counts its restarts). */
function slurmJob(): { jobId: string; node: string; restarts: number } | null {
  const jobId = process.env.SLURM_JOB_ID;
  if (!jobId || !/^\d+$/.test(jobId)) return null;
  return { jobId, node: process.env.SLURMD_NODENAME || hostname(), restarts: Number(process.env.SLURM_RESTART_COUNT) || 0 };
}

/** What the worker needs before a command can run; a failure is the reason the task fails. */
async function prepare(
  store: TaskStore,
  id: string,
): Promise<{ config: Config; logFd: number; env: Record<string, string> } | { failure: string }> {
  let config: Config;
  let logFd: number;
  try {
    // A config.json half-saved by an editor right now must not fail the task: it runs by the last valid one.
    const loaded = await loadConfigOrLastValid(store.paths);
    config = loaded.config;
    logFd = openLogForAppend(store.logPath(id));
    if (loaded.warning) logLine(logFd, loaded.warning);
  } catch (err) {
    return { failure: describeError(err) };
  }
  const launch = readLaunchEnv(store.paths, id);
  if ('problem' in launch) {
    closeSync(logFd);
    return { failure: `the environment of the shell that launched it is ${launch.problem} (env/${id}.json)` };
  }
  return { config, logFd, env: launch.env };
}

/** The worker's groups are gone: no more steps, its records and the folder go. */
function closeLedger(ledger: Ledger): void {
  ledger.revoke();
  const state = ledger.read();
  if (!state) return;
  // A group that survived KILL keeps its record (the sweepers still see, count and stop it).
  if (liveGroups(state).length > 0) ledger.dropWorker();
  else ledger.remove();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof Abandoned || err instanceof TaskError) complain(err.message);
    else complain(`crashed: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  },
);
