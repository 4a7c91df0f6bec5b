// Cancelling a local task: its worker is signalled (TERM, then CONT so a stopped worker
// wakes to act on it), stops its command groups and records `cancelled`. A worker found
// dead is reaped and its groups are stopped here; one that does not answer within the
// grace and a margin is killed, and the same is done for it. Returns once the task is
// final and its processes are gone, so the message is true.
import { TaskError } from '../../../core/errors.js';
import { isBroken, isFinal, type Task } from '../../../core/task.js';
import type { Config } from '../../../store/config.js';
import { Ledger } from '../../../store/ledger.js';
import type { TaskStore } from '../../../store/tasks.js';
import { ledgerBusy, stopOrphanedGroups } from '../../orphans.js';
import { reapIfDead, schedule } from '../../scheduler.js';
import { pollUntil, sleep } from '../../sleep.js';
import { rejectTask } from '../../approval.js';
import { NotRunning, type Cancelled } from '../executor.js';
import { localWorkerOf, signalWorker, STARTING_MS, workerAlive, workerState } from './liveness.js';

export async function cancelLocal(store: TaskStore, config: Config, task: Task): Promise<Cancelled> {
  if (isFinal(task.status)) {
    // Its worker is gone but a command group outlived it: stopping that is what cancel is for.
    if (!hasLiveGroups(store, task.id)) throw new NotRunning(task);
    const gone = await stopOrphanedGroups(store.paths, task.id, config.cancelGraceMs);
    if (!gone) throw new TaskError(`task ${task.id} is ${task.status}, and some of its processes could not be stopped yet`);
    return { task, message: `task ${task.id} had already ${describeFinal(task.status)}; stopped the processes it left` };
  }
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
  if (worker && signalWorker(worker, 'SIGTERM')) signalWorker(worker, 'SIGCONT');
  const final = await waitForFinal(store, config, task.id, config.cancelGraceMs + 15_000);
  // The worker reached a gate as the cancel came: the task waits, and ends as a cancel of a waiting task does.
  if (final?.status === 'waiting') return rejectTask(store, config, final.id, null, 'cancelled');
  if (final) return finished(store, config, final);
  // The worker did not answer (stopped again, hung): kill it and do its part here.
  if (worker && workerAlive(worker)) {
    signalWorker(worker, 'SIGKILL');
    await pollUntil(() => (workerAlive(worker) ? undefined : true), 5000, 20);
  }
  return reapAndStop(store, config, store.get(task.id), {
    status: 'cancelled',
    reason: 'its worker did not answer the cancel and was killed',
  });
}

function describeFinal(status: Task['status']): string {
  return status === 'interrupted' ? 'been interrupted' : status;
}

function hasLiveGroups(store: TaskStore, id: string): boolean {
  const state = new Ledger(store.paths, id).read();
  return !!state && ledgerBusy(state);
}

/** The task ended (by its worker or a reaper): return once the worker has exited too. */
async function finished(store: TaskStore, config: Config, final: Task): Promise<Cancelled> {
  // The worker exits right after its final write; returning once it has makes
  // "cancelled" mean no process of the task is left, the worker included.
  await pollUntil(() => (workerAlive(final) ? undefined : true), 3000, 20);
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
 * Polls until the task is final and no command group of it is left, or waits at a gate; reaps a worker
 * that dies on the way (and stops its groups). Returns null at the deadline.
 */
async function waitForFinal(store: TaskStore, config: Config, id: string, timeoutMs: number): Promise<Task | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = store.read(id);
    if (entry && !isBroken(entry)) {
      if (isFinal(entry.status) && !hasLiveGroups(store, id)) return entry;
      if (entry.status === 'waiting') return entry;
      if (entry.status === 'running' && reapIfDead(store, entry, config)) {
        await stopOrphanedGroups(store.paths, id, config.cancelGraceMs, Math.max(0, deadline - Date.now()));
      }
    }
    if (Date.now() >= deadline) return null;
    await sleep(50);
  }
}
