// Pause, resume and priority: each a change under the scheduler lock (so no scheduler
// run sees half of it), then a scheduler run, so what it lets start starts now.
import { TaskError, UsageError } from '../core/errors.js';
import { describePause, isPaused, type PauseState } from '../core/queue.js';
import { PROJECT_NAME_RE, PROJECT_NAME_RULE, submittedJob, type Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import { readPause, writePause } from '../store/pause.js';
import type { TaskStore } from '../store/tasks.js';
import { schedule, underSchedulerLock } from './scheduler.js';

/** Pauses (or resumes) the whole queue (`project` null) or one project's tasks; returns the new state. */
export async function setPaused(store: TaskStore, config: Config, project: string | null, paused: boolean): Promise<PauseState> {
  if (project !== null && !PROJECT_NAME_RE.test(project)) {
    throw new UsageError(`invalid project name ${JSON.stringify(project.slice(0, 40))}: ${PROJECT_NAME_RULE}`);
  }
  const state = await underSchedulerLock(store, 10_000, () => {
    const now = readPause(store.paths);
    let next: PauseState;
    if (project === null) next = paused ? { ...now, all: true } : { all: false, projects: [] };
    else {
      const others = now.projects.filter((p) => p !== project);
      next = { all: now.all, projects: paused ? [...others, project] : others };
    }
    writePause(store.paths, next);
    return next;
  });
  if (!paused) await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => undefined);
  return state;
}

export { describePause, isPaused };

/** Sets the priority of a task still waiting in dev-tools' queue; then runs the scheduler (it may start now). */
export async function setPriority(store: TaskStore, config: Config, id: string, priority: number): Promise<Task> {
  const task = await underSchedulerLock(store, 10_000, () => {
    const t = store.get(id);
    if (t.status !== 'queued' || t.claimedAt || submittedJob(t)) {
      throw new TaskError(
        `task ${t.id} is ${t.status === 'queued' ? 'already submitted to its cluster' : t.status}: only a queued task's priority can change`,
      );
    }
    const next: Task = { ...t, priority };
    store.write(next);
    return next;
  });
  await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => undefined);
  return task;
}
