// Cancelling: a queued task never starts; a running one is stopped by its worker
// (TERM, grace, KILL), or here when the worker is gone or does not answer. Returns
// once the task is final and its processes are gone, so the message is true.
import { TaskError } from '../core/errors.js';
import { compareTasks, isActive, isBroken, isFinal, type Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import { removeLaunchEnv } from '../store/launch-env.js';
import { Ledger } from '../store/ledger.js';
import type { TaskStore } from '../store/tasks.js';
import { cancelQueuedJob, cancelRunningJob } from './cancel-slurm.js';
import { localExecutor, localWorkerOf } from './executor.js';
import { liveGroups, stopOrphanedGroups } from './orphans.js';
import { runFinishHook } from './finish-hook.js';
import { reapIfDead, schedule, STARTING_MS, underSchedulerLock, workerState } from './scheduler.js';
import { pollUntil, sleep } from './sleep.js';

/** The task had already ended: nothing to cancel. */
class NotRunning extends TaskError {
  constructor(task: Task) {
    super(`task ${task.id} is not running (status: ${task.status})`);
  }
}

export interface Cancelled {
  task: Task;
  message: string;
}

/** Running and queued tasks (of one project), oldest first, as `status` lists them: what can be cancelled. */
export function cancellable(store: TaskStore, project?: string): Task[] {
  return store
    .listActive()
    .filter((e): e is Task => !isBroken(e) && isActive(e.status) && (!project || e.project === project))
    .sort(compareTasks);
}

/**
 * Cancels a task and returns once it is final and its processes are gone.
 * A queued task is cancelled under the scheduler lock, so it never starts (a Slurm
 * task's pending job is cancelled too); a running one is signalled (TERM, then CONT
 * so a stopped worker wakes to act on it), and its worker stops the groups and
 * records `cancelled`. A worker found dead is reaped and its groups are stopped
 * here; one that does not answer within the grace and a margin is killed, and the
 * same is done for it. A Slurm task's job is cancelled with scancel (cancel-slurm.ts).
 */
export async function cancelTask(store: TaskStore, config: Config, id: string): Promise<Cancelled> {
  const executor = localExecutor;
  let task = store.get(id);
  if (isFinal(task.status)) {
    // Its worker is gone but a command group outlived it: stopping that is what cancel is for.
    if (!task.slurm && hasLiveGroups(store, task.id)) {
      const gone = await stopOrphanedGroups(store.paths, task.id, config.cancelGraceMs);
      if (!gone) throw new TaskError(`task ${task.id} is ${task.status}, and some of its processes could not be stopped yet`);
      return { task, message: `task ${task.id} had already ${describeFinal(task.status)}; stopped the processes it left` };
    }
    throw new NotRunning(task);
  }
  if (task.status === 'queued') {
    const cancelled = await underSchedulerLock(store, 10_000, () => {
      task = store.get(task.id);
      // A submitted job is cancelled by Slurm first (cancel-slurm.ts).
      if (task.status !== 'queued' || task.slurm?.jobId) return null;
      const c: Task = { ...task, status: 'cancelled', completedAt: new Date().toISOString() };
      store.write(c);
      removeLaunchEnv(store.paths, task.id);
      return c;
    });
    if (cancelled) {
      // A Slurm task without a job id is being submitted: whoever records it finds the task cancelled and cancels the job.
      runFinishHook(store, config, cancelled);
      return { task: cancelled, message: `cancelled ${task.id} (it was queued and never started)` };
    }
    if (task.status === 'queued') return cancelQueuedJob(store, config, task);
    if (isFinal(task.status)) throw new NotRunning(task);
  }
  if (task.slurm) return cancelRunningJob(store, config, task);
  // Running: find its worker (the task file's pid, or the one it put in its ledger while starting).
  const startDeadline = Date.now() + STARTING_MS + 2000;
  for (;;) {
    const state = workerState(store, task, Date.now(), false);
    if (state === 'alive') break;
    if (state === 'dead') return reapAndStop(store, config, task, {});
    // Past the start-up window only the scheduler (under its lock) may call it dead.
    if (state === 'unknown') await schedule(store, config, { lockWaitMs: 2000 }).catch(() => undefined);
    if (Date.now() > startDeadline) throw new TaskError(`task ${task.id}: its worker has not started; try again`);
    await sleep(50);
    task = store.get(task.id);
    if (isFinal(task.status)) return finished(store, config, task);
  }
  const worker = localWorkerOf(store, task);
  await executor.cancel(store, task);
  const final = await waitForFinal(store, config, task.id, config.cancelGraceMs + 15_000);
  if (final) return finished(store, config, final);
  // The worker did not answer (stopped again, hung): kill it and do its part here.
  if (worker && executor.isAlive(worker)) {
    executor.signal(worker, 'SIGKILL');
    await pollUntil(() => (executor.isAlive(worker) ? undefined : true), 5000, 20);
  }
  return reapAndStop(store, config, store.get(task.id), {
    status: 'cancelled',
    reason: 'its worker did not answer the cancel and was killed',
  });
}

type CancelOutcome = { id: string; ok: true; message: string } | { id: string; ok: false; error: Error; alreadyEnded: boolean };

/**
 * Cancels several tasks: the queued ones first, one at a time, so a slot freed by a
 * cancelled running task does not start one of them; then the others together.
 * Outcomes come in that order; a task that had already ended is `alreadyEnded`.
 */
export async function cancelTasks(store: TaskStore, config: Config, ids: string[]): Promise<CancelOutcome[]> {
  const outcome = async (id: string): Promise<CancelOutcome> => {
    try {
      return { id, ok: true, message: (await cancelTask(store, config, id)).message };
    } catch (err) {
      return { id, ok: false, error: err as Error, alreadyEnded: err instanceof NotRunning };
    }
  };
  const queued = cancellable(store)
    .filter((t) => t.status === 'queued' && ids.includes(t.id))
    .map((t) => t.id);
  const outcomes: CancelOutcome[] = [];
  for (const id of queued) outcomes.push(await outcome(id));
  outcomes.push(...(await Promise.all(ids.filter((id) => !queued.includes(id)).map(outcome))));
  return outcomes;
}

function describeFinal(status: Task['status']): string {
  return status === 'interrupted' ? 'been interrupted' : status;
}

function hasLiveGroups(store: TaskStore, id: string): boolean {
  const state = new Ledger(store.paths, id).read();
  return !!state && liveGroups(state).length > 0;
}

/** The task ended (by its worker or a reaper): return once the worker has exited too. */
async function finished(store: TaskStore, config: Config, final: Task): Promise<Cancelled> {
  // The worker exits right after its final write; returning once it has makes
  // "cancelled" mean no process of the task is left, the worker included.
  if (final.pid) await pollUntil(() => (localExecutor.isAlive(final) ? undefined : true), 3000, 20);
  await schedule(store, config, { lockWaitMs: 2000 }).catch(() => undefined);
  const how = final.status === 'cancelled' ? 'cancelled' : `ended as ${final.status}`;
  return { task: final, message: `${how} ${final.id}` };
}

/** Records a task whose worker is gone and stops its groups before returning, so the message is true. */
async function reapAndStop(
  store: TaskStore,
  config: Config,
  task: Task,
  opts: { status?: 'cancelled'; reason?: string },
): Promise<Cancelled> {
  const reaped = reapIfDead(store, task, config, opts) ?? store.get(task.id);
  const gone = await stopOrphanedGroups(store.paths, task.id, config.cancelGraceMs);
  await schedule(store, config, { lockWaitMs: 2000 }).catch(() => undefined);
  if (!isFinal(reaped.status)) throw new TaskError(`task ${task.id} did not stop in time`);
  const what =
    reaped.status === 'cancelled'
      ? `cancelled ${task.id} (${opts.reason ?? 'its worker was gone'})`
      : reaped.status === 'interrupted'
        ? `task ${task.id}: its worker was gone; marked interrupted`
        : `task ${task.id} had ${reaped.status} (its worker died while recording it; recovered)`;
  if (!gone) throw new TaskError(`${what}, but some of its processes could not be stopped yet`);
  return { task: reaped, message: `${what}; its processes are stopped` };
}

/**
 * Polls until the task is final and no command group of it is left; reaps a worker
 * that dies on the way (and stops its groups). Returns null at the deadline.
 */
async function waitForFinal(store: TaskStore, config: Config, id: string, timeoutMs: number): Promise<Task | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = store.read(id);
    if (entry && !isBroken(entry)) {
      if (isFinal(entry.status) && !hasLiveGroups(store, id)) return entry;
      if (entry.status === 'running' && reapIfDead(store, entry, config)) {
        await stopOrphanedGroups(store.paths, id, config.cancelGraceMs, Math.max(0, deadline - Date.now()));
      }
    }
    if (Date.now() >= deadline) return null;
    await sleep(50);
  }
}
