// Is a local task's worker alive? Its pid AND its start time (a reused pid is never
// taken for it), from the task file once the worker wrote it, else from the ledger it
// writes first of all; and how a task whose worker is gone is recorded.
import { isBroken, withWorker, workerOf, type Task } from '../../../core/task.js';
import { removeLaunchEnv } from '../../../store/launch-env.js';
import { Ledger } from '../../../store/ledger.js';
import type { TaskStore } from '../../../store/tasks.js';
import { isSameProcess, signalProcess } from '../../proc.js';
import type { ReapOptions } from '../executor.js';

/** A running task without a pid is "starting" this long after it was claimed, then dead. */
export const STARTING_MS = 15_000;

export type WorkerState = 'alive' | 'starting' | 'dead' | 'unknown';

/** The worker of a running task: the task file's pid, or the one it put in its ledger while starting. */
export function localWorkerOf(store: TaskStore, task: Task): Task | null {
  if (workerOf(task).pid) return task;
  const worker = new Ledger(store.paths, task.id).read()?.worker;
  return worker ? withWorker(task, worker.pid, worker.startTime) : null;
}

/** The recorded worker process itself, alive (not a zombie, started when recorded). */
export function workerAlive(task: Task): boolean {
  const { pid, startTime } = workerOf(task);
  return isSameProcess(pid, startTime);
}

/** Signals the task's worker; never a pid whose start time is unknown or differs (it may be anyone's now). */
export function signalWorker(task: Task, signal: NodeJS.Signals): boolean {
  return workerAlive(task) && signalProcess(workerOf(task).pid!, signal);
}

/**
 * The worker of a running local task: its pid in the task file once it wrote it, else
 * the pid it put in its ledger at start-up, else "starting" for STARTING_MS after the
 * claim. After that it is dead only for a caller holding the scheduler lock: a worker
 * makes its first write under that lock, so a slow one cannot write after being reaped.
 */
export function workerState(store: TaskStore, task: Task, now: number, underLock: boolean): WorkerState {
  if (workerOf(task).pid) return workerAlive(task) ? 'alive' : 'dead';
  const worker = new Ledger(store.paths, task.id).read()?.worker;
  if (worker) return workerAlive(withWorker(task, worker.pid, worker.startTime)) ? 'alive' : 'dead';
  const claimed = Date.parse(task.claimedAt ?? task.createdAt);
  if (Number.isFinite(claimed) && now - claimed < STARTING_MS) return 'starting';
  return underLock ? 'dead' : 'unknown';
}

/**
 * Marks a running task whose worker is gone as `interrupted`. Re-reads first and writes
 * only if the file still says running with the same pid: the worker may have finished
 * just before it died; if it died between writing its final state and renaming it into
 * place, that state is recovered instead. Its command groups are not stopped here: the
 * ledger sweep of every scheduler run does that (or cancel, to return once they are gone).
 */
export function reapLocal(store: TaskStore, task: Task, opts: ReapOptions): Task | null {
  const now = opts.now ?? Date.now();
  if (task.status !== 'running' || workerState(store, task, now, !!opts.underLock) !== 'dead') return null;
  const fresh = store.read(task.id);
  if (!fresh || isBroken(fresh) || fresh.status !== 'running' || workerOf(fresh).pid !== workerOf(task).pid) return null;
  if (workerOf(fresh).pid && workerAlive(fresh)) return null;
  removeLaunchEnv(store.paths, fresh.id);
  const recovered = store.recoverFinalTemp(fresh);
  if (recovered) return recovered;
  // Another reader may have recovered or reaped it meanwhile.
  const again = store.read(task.id);
  if (!again || isBroken(again) || again.status !== 'running') return null;
  const reaped: Task = {
    ...fresh,
    status: opts.status ?? 'interrupted',
    completedAt: new Date(now).toISOString(),
    error: opts.reason ?? deathOf(store, fresh),
  };
  store.write(reaped);
  return reaped;
}

/**
 * How a worker that left its task `running` ended, in words. "Never started" only when
 * no worker ever showed up: one that did wrote its pid into the task's ledger first,
 * before any command, even when it could not write the task file (a full disk).
 */
function deathOf(store: TaskStore, task: Task): string {
  const { pid } = workerOf(task);
  if (pid) return `worker ${pid} died while running`;
  const ledger = new Ledger(store.paths, task.id).read();
  if (!ledger?.worker) return 'worker never started';
  return ledger.steps.length > 0
    ? `worker ${ledger.worker.pid} died while running (before it could record its start)`
    : `worker ${ledger.worker.pid} died while starting`;
}
