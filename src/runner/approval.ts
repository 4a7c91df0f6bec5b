// approve / reject: the person's answer to a task waiting at a gate. Both write under
// the scheduler lock (the task file's only writer while it waits), and only while the
// task still waits: a second answer, or one to a task that moved on, is refused.
import { approved, gateName, rejected } from '../core/gate.js';
import { TaskError } from '../core/errors.js';
import type { Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import { removeLaunchEnv } from '../store/launch-env.js';
import type { TaskStore } from '../store/tasks.js';
import { runFinishHook } from './finish-hook.js';
import { schedule, underSchedulerLock } from './scheduler.js';
import { logLine } from './step.js';
import { openLogForAppend } from '../store/logs.js';
import { closeSync } from 'node:fs';

/** Refused: the task does not wait for a person (it runs, is queued, or ended). */
export class NotWaiting extends TaskError {}

function waitingTask(store: TaskStore, id: string): Task {
  const task = store.get(id);
  if (task.status !== 'waiting') throw new NotWaiting(`task ${task.id} is not waiting for approval (status: ${task.status})`);
  return task;
}

/** A line of dev-tools' own in the task's log (`==> [dev-tools] approved ...`), so the log tells the whole run. */
function note(store: TaskStore, task: Task, text: string): void {
  try {
    const fd = openLogForAppend(store.logPath(task.id));
    try {
      logLine(fd, text);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the log is a nicety here: the task file holds the answer
  }
}

/** Lets a waiting task through its gate: queued again in its old place, then the scheduler runs. */
export async function approveTask(store: TaskStore, config: Config, id: string): Promise<{ task: Task; message: string }> {
  const task = await underSchedulerLock(store, 10_000, () => {
    const next = approved(waitingTask(store, id), Date.now());
    store.write(next);
    return next;
  });
  const where = task.gate ? ` from ${gateName(task.gate)}` : '';
  note(store, task, `approved: runs on${where}`);
  const result = await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => null);
  const now = store.get(task.id);
  const state = now.status === 'running' ? 'running' : now.status === 'queued' ? 'queued for a slot' : now.status;
  const started = result?.started.some((t) => t.id === task.id) || result?.submitted.some((t) => t.id === task.id);
  return { task: now, message: `approved ${task.id}${where}: ${started && now.status === 'queued' ? 'submitted' : state}` };
}

/** Ends a waiting task `cancelled` with the reason in `error`: the stages after the gate never run. */
export async function rejectTask(
  store: TaskStore,
  config: Config,
  id: string,
  reason: string | null,
  how: 'rejected' | 'cancelled' = 'rejected',
): Promise<{ task: Task; message: string }> {
  const task = await underSchedulerLock(store, 10_000, () => {
    const now = Date.now();
    const current = waitingTask(store, id);
    const next = how === 'rejected' ? rejected(current, now, reason) : { ...rejected(current, now, null), error: null };
    store.write(next);
    removeLaunchEnv(store.paths, id);
    return next;
  });
  note(store, task, how === 'rejected' ? (task.error ?? 'rejected') : 'cancelled');
  await runFinishHook(store, config, task);
  const at = task.gate ? ` at ${gateName(task.gate)}` : '';
  return {
    task,
    message: how === 'rejected' ? `rejected ${task.id}${at}${reason ? `: ${reason}` : ''}` : `cancelled ${task.id} (it was waiting${at})`,
  };
}
