// The hand-over from the scheduler to a worker: the scheduler claims a task (running,
// no pid) and spawns its worker; the worker's first write happens under the scheduler
// lock, so a reaper (which reaps a worker that never showed up only under that lock)
// either sees the worker's pid, or the worker sees the final state and runs nothing.
import { submittedJob, waitsForWorker, type Task } from '../core/task.js';
import type { TaskStore } from '../store/tasks.js';
import { underSchedulerLock } from './scheduler.js';

/** How long a worker waits for the scheduler lock for its first write before giving up. */
const FIRST_WRITE_LOCK_MS = 60_000;

/** The task no longer waits for this worker (a reaper recorded it as never started): nothing to do. */
export class Abandoned extends Error {}

/**
 * Runs `body` under the scheduler lock if the task still waits for a worker (running,
 * no pid; for a job: queued, submitted as `jobId`); a reaper or a cancel may
 * have recorded a final state, and that state stands.
 */
export async function underFirstWriteLock<T>(store: TaskStore, task: Pick<Task, 'id' | 'runsOn'>, body: () => T): Promise<T> {
  const { id } = task;
  const busy = `the scheduler lock stayed busy for ${FIRST_WRITE_LOCK_MS / 1000} s`;
  return underSchedulerLock(
    store,
    FIRST_WRITE_LOCK_MS,
    () => {
      if (!waitsForWorker(store.read(id), submittedJob(task))) throw new Abandoned(`task ${id} is no longer waiting for this worker`);
      return body();
    },
    busy,
  );
}
