import { join } from 'node:path';
import { compareTasks, isBroken, type Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import type { TaskStore } from '../store/tasks.js';
import { localExecutor, stopGroupInBackground, type Executor } from './executor.js';
import { FileLock } from './lock.js';

/** A running task without a pid is "starting" this long after it was claimed, then dead. */
export const STARTING_MS = 15_000;

export function schedulerLock(store: TaskStore): FileLock {
  return new FileLock(join(store.paths.locks, 'scheduler.lock'));
}

/** Is the worker of a running task alive (or still within its start-up window)? */
export function workerAlive(task: Task, now: number, executor: Executor = localExecutor): boolean {
  if (task.pid) return executor.isAlive(task);
  const claimed = Date.parse(task.claimedAt ?? task.createdAt);
  return Number.isFinite(claimed) && now - claimed < STARTING_MS;
}

/**
 * Marks a running task whose worker is gone as `interrupted` and stops its command
 * group in the background. Re-reads first and writes only if the file still says
 * running with the same pid: the worker may have finished just before it died.
 */
export function reapIfDead(store: TaskStore, task: Task, config: Config, now = Date.now(), executor: Executor = localExecutor): Task | null {
  if (task.status !== 'running' || workerAlive(task, now, executor)) return null;
  const fresh = store.read(task.id);
  if (!fresh || isBroken(fresh) || fresh.status !== 'running' || fresh.pid !== task.pid) return null;
  if (fresh.pid && workerAlive(fresh, now, executor)) return null;
  const reaped: Task = {
    ...fresh,
    status: 'interrupted',
    completedAt: new Date(now).toISOString(),
    error: fresh.pid ? `worker ${fresh.pid} died while running` : 'worker never started',
  };
  store.write(reaped);
  if (fresh.commandPid) stopGroupInBackground(fresh.commandPid, fresh.commandStartTime, config.cancelGraceMs);
  return reaped;
}

export interface ScheduleResult {
  locked: boolean;
  started: Task[];
  /** Worker pid of each task started by this step. */
  workerPids: Record<string, number>;
  reaped: Task[];
  running: number;
  queued: Task[];
}

/**
 * The only way into `running`: under the scheduler lock, reap dead workers, count
 * what runs, claim queued tasks in order while there is room. Workers are spawned
 * after the lock is released.
 */
export async function schedule(store: TaskStore, config: Config, opts: { lockWaitMs?: number; executor?: Executor } = {}): Promise<ScheduleResult> {
  const executor = opts.executor ?? localExecutor;
  const lock = schedulerLock(store);
  const result: ScheduleResult = { locked: false, started: [], workerPids: {}, reaped: [], running: 0, queued: [] };
  if (!(await lock.acquire(opts.lockWaitMs ?? 5000))) return result;
  result.locked = true;
  const claimed: Task[] = [];
  try {
    const now = Date.now();
    const queued: Task[] = [];
    for (const entry of store.listActive()) {
      if (isBroken(entry)) continue;
      if (entry.status === 'running') {
        const reaped = reapIfDead(store, entry, config, now, executor);
        if (reaped) result.reaped.push(reaped);
        else result.running++;
      } else if (entry.status === 'queued') {
        queued.push(entry);
      } else {
        store.archive(entry.id); // a final task left behind by a crash between write and move
      }
    }
    queued.sort(compareTasks);
    const room = Math.max(0, config.maxParallelTasks - result.running);
    try {
      for (const task of queued.slice(0, room)) {
        const running: Task = { ...task, status: 'running', claimedAt: new Date().toISOString() };
        store.write(running);
        claimed.push(running);
      }
    } catch (err) {
      // A claim that cannot be written (full disk) stops claiming; what was claimed still starts below.
      if (claimed.length === 0) throw err;
    }
    result.running += claimed.length;
    result.queued = queued.slice(claimed.length);
  } finally {
    lock.release();
  }
  for (const task of claimed) {
    try {
      result.workerPids[task.id] = executor.start(store, task).pid;
      result.started.push(task);
    } catch (err) {
      // No worker exists, so this write cannot race one; if even it fails, the task is reaped later.
      try {
        store.write({ ...task, status: 'failed', completedAt: new Date().toISOString(), error: `cannot start worker: ${(err as Error).message}` });
      } catch {
        // reaped as "never started" after STARTING_MS
      }
    }
  }
  return result;
}

/**
 * For loops that wait (wait, logs -f, a foreground task): runs the scheduler at most
 * once a second without blocking on a busy lock, so queued tasks start and dead
 * workers are reaped even when no worker is left to do it.
 */
export function scheduleTicker(store: TaskStore, config: Config, everyMs = 1000): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    await schedule(store, config, { lockWaitMs: 200 }).catch(() => undefined);
  };
}
