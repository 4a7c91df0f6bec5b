import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskError, UsageError } from '../core/errors.js';
import { isBroken, isFinal, PROJECT_NAME_RE, PROJECT_NAME_RULE, type Task } from '../core/task.js';
import { expandHome, type Config } from '../store/config.js';
import type { TaskStore } from '../store/tasks.js';
import { localExecutor, type Executor } from './executor.js';
import { groupAlive } from './proc.js';
import { reapIfDead, schedule, schedulerLock, STARTING_MS } from './scheduler.js';
import { sleep } from './sleep.js';

export { schedule } from './scheduler.js';

export interface LaunchSpec {
  project: string;
  description: string;
  command?: string[] | null;
  noQueue?: boolean;
  restartOf?: string | null;
}

export interface LaunchResult {
  task: Task;
  started: boolean;
  /** The worker's pid when this launch started it. */
  workerPid: number | null;
  /** 1-based place in the queue when the task waits. */
  queuePosition: number | null;
  running: number;
  max: number;
}

// An environment variable holds at most 128 KiB on Linux; the description travels as one.
export const MAX_DESCRIPTION = 64 * 1024;

type TaskFields = Pick<Task, 'project' | 'description' | 'command' | 'stages' | 'cwd' | 'env' | 'restartOf'>;

/** What a launch will run: the given command, or the project's pipeline. */
export function resolveSpec(config: Config, spec: LaunchSpec, cwd = process.cwd()): TaskFields {
  if (!PROJECT_NAME_RE.test(spec.project)) {
    throw new UsageError(`invalid project name ${JSON.stringify(spec.project.slice(0, 40))}: ${PROJECT_NAME_RULE}`);
  }
  checkDescription(spec.description);
  const project = config.projects[spec.project];
  const command = spec.command && spec.command.length > 0 ? spec.command : null;
  if (!command && !project?.stages.length) {
    const names = Object.keys(config.projects).filter((n) => config.projects[n]!.stages.length > 0);
    const known = names.length ? `configured projects with stages: ${names.join(', ')}` : 'no project has stages in config.json';
    throw new UsageError(`project "${spec.project}" has no stages to run and no command was given after "--" (${known})`);
  }
  const dir = project?.cwd ? resolve(expandHome(project.cwd)) : cwd;
  checkDir(dir, spec.project);
  return {
    project: spec.project,
    description: spec.description,
    command,
    stages: command ? null : project!.stages,
    cwd: dir,
    env: { ...(project?.env ?? {}) },
    restartOf: spec.restartOf ?? null,
  };
}

function checkDescription(description: string): void {
  if (description.trim() === '') throw new UsageError('the description is empty');
  if (description.includes('\0')) throw new UsageError('the description contains a NUL character');
  if (Buffer.byteLength(description) > MAX_DESCRIPTION) {
    throw new UsageError(`the description is too long (${Buffer.byteLength(description)} bytes; at most ${MAX_DESCRIPTION})`);
  }
}

function checkDir(dir: string, project: string): void {
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`working directory of project "${project}" does not exist: ${dir}`);
}

/** Creates the task as `queued` and runs the scheduler: the only way into `running`. */
export async function launchTask(store: TaskStore, config: Config, spec: LaunchSpec, executor: Executor = localExecutor): Promise<LaunchResult> {
  return createAndSchedule(store, config, resolveSpec(config, spec), spec.noQueue ?? false, executor);
}

async function createAndSchedule(store: TaskStore, config: Config, fields: TaskFields, noQueue: boolean, executor: Executor): Promise<LaunchResult> {
  const base = { ...fields, status: 'queued' as const, createdAt: new Date().toISOString() };
  let task: Task;
  if (noQueue) {
    // Count and create under the scheduler lock, so concurrent launches cannot both take the last slot.
    const lock = schedulerLock(store);
    if (!(await lock.acquire(10_000))) throw new TaskError('the scheduler is busy (lock held); try again');
    try {
      const now = Date.now();
      let running = 0;
      let queued = 0;
      for (const e of store.listActive()) {
        if (isBroken(e)) continue;
        if (e.status === 'queued') queued++;
        else if (e.status === 'running' && !reapIfDead(store, e, config, now, executor)) running++;
      }
      // Queued tasks go first, so they take free slots; the figure shown counts only what runs.
      if (running + queued >= config.maxParallelTasks) {
        const waiting = queued ? `, ${queued} queued ahead` : '';
        throw new TaskError(`Max parallel tasks reached (${running}/${config.maxParallelTasks})${waiting}`);
      }
      task = store.create(base);
    } finally {
      lock.release();
    }
  } else {
    task = store.create(base);
  }
  const result = await schedule(store, config, { executor, lockWaitMs: 30_000 });
  const now = store.read(task.id);
  const current = now && !isBroken(now) ? now : task;
  const position = result.queued.findIndex((t) => t.id === task.id);
  return {
    task: current,
    started: current.status !== 'queued',
    workerPid: result.workerPids[task.id] ?? current.pid ?? null,
    queuePosition: current.status === 'queued' ? (position >= 0 ? position + 1 : null) : null,
    running: result.running,
    max: config.maxParallelTasks,
  };
}

/** A new task with the same spec as a finished one; the original keeps its log. */
export async function restartTask(store: TaskStore, config: Config, id: string, executor: Executor = localExecutor): Promise<LaunchResult> {
  const original = store.get(id);
  if (!isFinal(original.status)) throw new TaskError(`task ${original.id} is ${original.status}; cancel it first`);
  checkDir(original.cwd, original.project);
  const fields: TaskFields = {
    project: original.project,
    description: original.description,
    command: original.command ?? null,
    stages: original.stages ?? null,
    cwd: original.cwd,
    env: { ...original.env },
    restartOf: original.id,
  };
  return createAndSchedule(store, config, fields, false, executor);
}

/**
 * Cancels a task and returns once it is final and its processes are gone.
 * A queued task is cancelled under the scheduler lock, so it never starts; a
 * running one is signalled, and its worker stops the group and records `cancelled`.
 */
export async function cancelTask(store: TaskStore, config: Config, id: string, executor: Executor = localExecutor): Promise<{ task: Task; message: string }> {
  let task = store.get(id);
  if (isFinal(task.status)) throw new TaskError(`task ${task.id} is not running (status: ${task.status})`);
  if (task.status === 'queued') {
    const lock = schedulerLock(store);
    if (!(await lock.acquire(10_000))) throw new TaskError('the scheduler is busy (lock held); try again');
    try {
      task = store.get(task.id);
      if (task.status === 'queued') {
        const cancelled: Task = { ...task, status: 'cancelled', completedAt: new Date().toISOString() };
        store.write(cancelled);
        return { task: cancelled, message: `cancelled ${task.id} (it was queued and never started)` };
      }
    } finally {
      lock.release();
    }
    if (isFinal(task.status)) throw new TaskError(`task ${task.id} is not running (status: ${task.status})`);
  }
  // Running: wait for the worker's first write (it holds the pid) if it is still starting.
  const startDeadline = Date.now() + STARTING_MS + 1000;
  while (task.status === 'running' && !task.pid && Date.now() < startDeadline) {
    await sleep(50);
    task = store.get(task.id);
  }
  if (task.status === 'running' && !executor.isAlive(task)) {
    const reaped = reapIfDead(store, task, config, Date.now(), executor);
    if (reaped) {
      await schedule(store, config, { executor, lockWaitMs: 2000 });
      return { task: reaped, message: `task ${task.id}: its worker was gone; marked interrupted and its processes stopped` };
    }
  }
  if (task.status === 'running') executor.signal(task, 'SIGTERM');
  const final = await waitForFinal(store, config, task.id, config.cancelGraceMs + 15_000, executor);
  if (!final) throw new TaskError(`task ${task.id} did not stop in time`);
  // The worker exits right after its final write; returning once it has makes
  // "cancelled" mean no process of the task is left, the worker included.
  const workerDeadline = Date.now() + 3000;
  while (final.pid && executor.isAlive(final) && Date.now() < workerDeadline) await sleep(20);
  await schedule(store, config, { executor, lockWaitMs: 2000 });
  const how = final.status === 'cancelled' ? 'cancelled' : `ended as ${final.status}`;
  return { task: final, message: `${how} ${final.id}` };
}

/**
 * Polls until the task is final and its command group is empty; reaps a worker that
 * dies on the way. Returns null at the deadline.
 */
export async function waitForFinal(store: TaskStore, config: Config, id: string, timeoutMs: number, executor: Executor = localExecutor): Promise<Task | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = store.read(id);
    if (entry && !isBroken(entry)) {
      if (isFinal(entry.status) && !groupAlive(entry.commandPid)) return entry;
      if (entry.status === 'running') reapIfDead(store, entry, config, Date.now(), executor);
    }
    if (Date.now() >= deadline) return null;
    await sleep(50);
  }
}
