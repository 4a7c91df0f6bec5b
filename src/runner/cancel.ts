// Cancelling: a queued task that waits in dev-tools' queue never starts (cancelled
// under the scheduler lock); any other is its executor's to stop (its worker records
// `cancelled`; a job is cancelled by its cluster). Returns once the task is final and
// its processes are gone, so the message is true.
import { compareTasks, isActive, isBroken, submittedJob, type Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import { removeLaunchEnv } from '../store/launch-env.js';
import type { TaskStore } from '../store/tasks.js';
import { NotRunning, type Cancelled } from './executors/executor.js';
import { executorFor } from './executors/registry.js';
import { rejectTask } from './approval.js';
import { runFinishHook } from './finish-hook.js';
import { underSchedulerLock } from './scheduler.js';

export type { Cancelled };

/** Running, queued and waiting tasks (of one project), oldest first, as `status` lists them: what can be cancelled. */
export function cancellable(store: TaskStore, project?: string): Task[] {
  return store
    .listActive()
    .filter((e): e is Task => !isBroken(e) && isActive(e.status) && (!project || e.project === project))
    .sort(compareTasks);
}

/**
 * Cancels a task and returns once it is final and its processes are gone. A queued
 * task not yet in its executor's hands is cancelled under the scheduler lock, so it
 * never starts; one whose job is submitted, a running one, and a finished one that
 * left processes running are its executor's to stop (the cancel.ts of its executor's folder).
 */
export async function cancelTask(store: TaskStore, config: Config, id: string): Promise<Cancelled> {
  let task = store.get(id);
  // Waiting for a person: nothing runs, so it ends as a rejection does, without a reason.
  if (task.status === 'waiting') return rejectTask(store, config, task.id, null, 'cancelled');
  if (task.status === 'queued') {
    const cancelled = await underSchedulerLock(store, 10_000, () => {
      task = store.get(task.id);
      // A submitted job is cancelled by its cluster first.
      if (task.status !== 'queued' || submittedJob(task)) return null;
      const c: Task = { ...task, status: 'cancelled', completedAt: new Date().toISOString() };
      store.write(c);
      removeLaunchEnv(store.paths, task.id);
      return c;
    });
    if (cancelled) {
      // A task whose job is being submitted: whoever records the job finds the task cancelled and withdraws the job.
      runFinishHook(store, config, cancelled);
      return { task: cancelled, message: `cancelled ${task.id} (it was queued and never started)` };
    }
  }
  return executorFor(task, config).cancel(store, config, task);
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
