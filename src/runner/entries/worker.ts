// The detached worker: `node worker.cjs <stateHome> <taskId>`, or `... <kind>` as the
// job of an executor with a queue of its own (`slurm`: a Slurm batch job). This is the
// process around a task's run (task-run.ts): its arguments, signals, what must be in
// place before a command can run, and a tidy ledger on every way out.
import { closeSync } from 'node:fs';
import { describeError, TaskError } from '../../core/errors.js';
import { isBroken, waitsForWorker, withWorker } from '../../core/task.js';
import { loadConfigOrLastValid, type Config } from '../../store/config.js';
import { readLaunchEnv, removeLaunchEnv } from '../../store/launch-env.js';
import { Ledger } from '../../store/ledger.js';
import { openLogForAppend } from '../../store/logs.js';
import { ensureStateDirs, statePaths } from '../../store/paths.js';
import { TaskStore } from '../../store/tasks.js';
import { jobWorker } from '../executors/registry.js';
import { runFinishHook } from '../finish-hook.js';
import { runWaitingHook } from '../waiting-hook.js';
import { ledgerBusy } from '../orphans.js';
import { ownStartTime } from '../proc.js';
import { programsStarted } from '../program.js';
import { schedule } from '../scheduler.js';
import { Abandoned, underFirstWriteLock } from '../hand-over.js';
import { TaskRun } from '../task-run.js';
import { complain } from '../state-writer.js';
import { logLine } from '../step.js';
import { testPoint } from '../test-stop.js';

/** Runs the worker; every way out leaves its ledger tidy (or to the sweepers, if a group outlived KILL). */
async function main(): Promise<void> {
  const [home, id, mode] = process.argv.slice(2);
  const job = mode === undefined ? null : jobWorker(mode, process.env);
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
  // As a job, SIGTERM is a dev-tools cancel only if `cancel` said so first; else the cluster
  // stopped the job (scancel from outside, its time limit, preemption, a requeue) and the
  // task is interrupted, as the job's executor tells it.
  const stopReason = (): Parameters<TaskRun['onCancel']> => (job && !ledger.cancelRequested() ? [job.stoppedFromOutside()] : []);
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
    if (job) await job.beforeStart(store, found && !isBroken(found) ? found : null);
    if (!waitsForWorker(found, job?.jobId)) throw new Abandoned(`task ${id} is not waiting for a worker`);
    // A job's task turns `running` with this worker's first write, which names its job and node.
    const entry = job ? job.started(found) : found;
    const setup = await prepare(store, id);
    if ('config' in setup) config = setup.config;
    if ('failure' in setup) {
      // Fails the task before any command ran (as its first write, under the lock).
      await underFirstWriteLock(store, entry, () =>
        store.write({
          ...withWorker(entry, process.pid, ownStartTime()),
          status: 'failed',
          completedAt: new Date().toISOString(),
          error: setup.failure,
        }),
      );
    } else {
      // In a job, the command also gets what the cluster gives the job (SLURM_JOB_ID, SLURM_CPUS_ON_NODE, ...).
      const env = job ? { ...setup.env, ...job.commandEnv() } : setup.env;
      hookEnv = env;
      run = new TaskRun(store, setup.config, ledger, entry, setup.logFd, env, job?.signalSettleMs ?? 0, !!job);
      if (early.stop) run.onCancel(...early.stop);
      try {
        await run.run();
      } finally {
        closeSync(setup.logFd);
      }
    }
  } finally {
    // A task waiting at a gate keeps it for the worker an approval starts.
    const now = store.read(id);
    if (!now || isBroken(now) || now.status !== 'waiting') removeLaunchEnv(store.paths, id);
    closeLedger(ledger);
  }
  // Reached only when this worker recorded the final state, or `waiting` at a gate (an abandoned task is its reaper's).
  config ??= (await loadConfigOrLastValid(store.paths).catch(() => null))?.config ?? null;
  if (config) {
    const final = store.read(id);
    if (final && !isBroken(final) && final.status === 'waiting' && final.waitingFor) {
      // It stopped at a gate: whoever must approve hears of it (and the slot it held is free).
      testPoint('waiting-hook');
      await runWaitingHook(store, config, final, final.waitingFor, { baseEnv: hookEnv });
    } else {
      testPoint('finish-hook');
      if (final && !isBroken(final)) await runFinishHook(store, config, final, hookEnv);
    }
  }
  // This worker freed a slot (or failed to take it): start what waits, by the config it ran with.
  // A job's worker held no local slot, and runs on a node that is not where the others run.
  if (job) return;
  if (config) await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => undefined);
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
  // A group (or cgroup) that survived KILL keeps its record (the sweepers still see, count and stop it).
  if (ledgerBusy(state) || state.cgroup) ledger.dropWorker();
  else ledger.remove();
}

// A hook this worker started (its own, or one of a task its scheduler run reaped) is under way before it exits.
main().then(
  () => programsStarted().then(() => process.exit(0)),
  (err: unknown) => {
    if (err instanceof Abandoned || err instanceof TaskError) complain(err.message);
    else complain(`crashed: ${(err as Error)?.stack ?? String(err)}`);
    return programsStarted().then(() => process.exit(1));
  },
);
