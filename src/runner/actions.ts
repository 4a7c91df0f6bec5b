import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TaskError, UsageError } from '../core/errors.js';
import { isBroken, isFinal, PROJECT_NAME_RE, PROJECT_NAME_RULE, type Task } from '../core/task.js';
import { expandHome, projectConfig, type Config } from '../store/config.js';
import { removeLaunchEnv, writeLaunchEnv } from '../store/launch-env.js';
import { Ledger } from '../store/ledger.js';
import type { TaskStore } from '../store/tasks.js';
import { localExecutor, type Executor } from './executor.js';
import { liveGroups, stopOrphanedGroups } from './orphans.js';
import { reapIfDead, schedule, schedulerLock, STARTING_MS, workerState } from './scheduler.js';
import { sleep } from './sleep.js';

export { schedule } from './scheduler.js';

export interface LaunchSpec {
  project: string;
  description: string;
  command?: string[] | null;
  noQueue?: boolean;
  restartOf?: string | null;
  /**
   * The environment the task runs with, whoever starts it: the launching shell's.
   * Defaults to this process's; the dashboard passes the one it was started with.
   */
  environment?: NodeJS.ProcessEnv;
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
  const project = projectConfig(config, spec.project);
  const command = spec.command && spec.command.length > 0 ? spec.command : null;
  if (!command && !project?.stages.length) {
    const names = Object.entries(config.projects).filter(([, p]) => p.stages.length > 0).map(([n]) => n);
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
  return createAndSchedule(store, config, resolveSpec(config, spec), spec.noQueue ?? false, executor, spec.environment ?? process.env);
}

async function createAndSchedule(
  store: TaskStore,
  config: Config,
  fields: TaskFields,
  noQueue: boolean,
  executor: Executor,
  environment: NodeJS.ProcessEnv,
): Promise<LaunchResult> {
  const base = { ...fields, status: 'queued' as const, createdAt: new Date().toISOString() };
  // The environment goes to its own 0600 file first, so a task is never seen without it.
  const hooks = {
    prepare: (id: string) => writeLaunchEnv(store.paths, id, environment),
    discard: (id: string) => removeLaunchEnv(store.paths, id),
  };
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
        else if (e.status === 'running' && !reapIfDead(store, e, config, { now, executor, underLock: true })) running++;
      }
      // Queued tasks go first, so they take free slots; the figure shown counts only what runs.
      if (running + queued >= config.maxParallelTasks) {
        const waiting = queued ? `, ${queued} queued ahead` : '';
        throw new TaskError(`Max parallel tasks reached (${running}/${config.maxParallelTasks})${waiting}`);
      }
      task = store.create(base, hooks);
    } finally {
      lock.release();
    }
  } else {
    task = store.create(base, hooks);
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
export async function restartTask(
  store: TaskStore,
  config: Config,
  id: string,
  executor: Executor = localExecutor,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<LaunchResult> {
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
  return createAndSchedule(store, config, fields, false, executor, environment);
}

/**
 * Cancels a task and returns once it is final and its processes are gone.
 * A queued task is cancelled under the scheduler lock, so it never starts; a
 * running one is signalled (TERM, then CONT so a stopped worker wakes to act on
 * it), and its worker stops the groups and records `cancelled`. A worker found
 * dead is reaped and its groups are stopped here; one that does not answer within
 * the grace and a margin is killed, and the same is done for it.
 */
export async function cancelTask(store: TaskStore, config: Config, id: string, executor: Executor = localExecutor): Promise<{ task: Task; message: string }> {
  let task = store.get(id);
  if (isFinal(task.status)) {
    // Its worker is gone but a command group outlived it: stopping that is what cancel is for.
    if (hasLiveGroups(store, task.id)) {
      const gone = await stopOrphanedGroups(store.paths, task.id, config.cancelGraceMs);
      if (!gone) throw new TaskError(`task ${task.id} is ${task.status}, and some of its processes could not be stopped yet`);
      return { task, message: `task ${task.id} had already ${describeFinal(task.status)}; stopped the processes it left` };
    }
    throw new TaskError(`task ${task.id} is not running (status: ${task.status})`);
  }
  if (task.status === 'queued') {
    const lock = schedulerLock(store);
    if (!(await lock.acquire(10_000))) throw new TaskError('the scheduler is busy (lock held); try again');
    try {
      task = store.get(task.id);
      if (task.status === 'queued') {
        const cancelled: Task = { ...task, status: 'cancelled', completedAt: new Date().toISOString() };
        store.write(cancelled);
        removeLaunchEnv(store.paths, task.id);
        return { task: cancelled, message: `cancelled ${task.id} (it was queued and never started)` };
      }
    } finally {
      lock.release();
    }
    if (isFinal(task.status)) throw new TaskError(`task ${task.id} is not running (status: ${task.status})`);
  }
  // Running: find its worker (the task file's pid, or the one it put in its ledger while starting).
  const startDeadline = Date.now() + STARTING_MS + 2000;
  for (;;) {
    const state = workerState(store, task, Date.now(), false, executor);
    if (state === 'alive') break;
    if (state === 'dead') return reapAndStop(store, config, task, executor, {});
    // Past the start-up window only the scheduler (under its lock) may call it dead.
    if (state === 'unknown') await schedule(store, config, { executor, lockWaitMs: 2000 }).catch(() => undefined);
    if (Date.now() > startDeadline) throw new TaskError(`task ${task.id}: its worker has not started; try again`);
    await sleep(50);
    task = store.get(task.id);
    if (isFinal(task.status)) return finished(store, config, task, executor);
  }
  const worker = workerOf(store, task);
  if (worker) {
    executor.signal(worker, 'SIGTERM');
    executor.signal(worker, 'SIGCONT');
  }
  const final = await waitForFinal(store, config, task.id, config.cancelGraceMs + 15_000, executor);
  if (final) return finished(store, config, final, executor);
  // The worker did not answer (stopped again, hung): kill it and do its part here.
  if (worker && executor.isAlive(worker)) {
    executor.signal(worker, 'SIGKILL');
    await waitUntil(() => !executor.isAlive(worker), 5000);
  }
  return reapAndStop(store, config, store.get(task.id), executor, {
    status: 'cancelled',
    reason: 'its worker did not answer the cancel and was killed',
  });
}

function describeFinal(status: Task['status']): string {
  return status === 'interrupted' ? 'been interrupted' : status;
}

function workerOf(store: TaskStore, task: Task): Task | null {
  if (task.pid) return task;
  const worker = new Ledger(store.paths, task.id).read()?.worker;
  return worker ? { ...task, pid: worker.pid, pidStartTime: worker.startTime } : null;
}

function hasLiveGroups(store: TaskStore, id: string): boolean {
  const state = new Ledger(store.paths, id).read();
  return !!state && liveGroups(state).length > 0;
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The task ended (by its worker or a reaper): return once the worker has exited too. */
async function finished(store: TaskStore, config: Config, final: Task, executor: Executor): Promise<{ task: Task; message: string }> {
  // The worker exits right after its final write; returning once it has makes
  // "cancelled" mean no process of the task is left, the worker included.
  if (final.pid) await waitUntil(() => !executor.isAlive(final), 3000);
  await schedule(store, config, { executor, lockWaitMs: 2000 }).catch(() => undefined);
  const how = final.status === 'cancelled' ? 'cancelled' : `ended as ${final.status}`;
  return { task: final, message: `${how} ${final.id}` };
}

/** Records a task whose worker is gone and stops its groups before returning, so the message is true. */
async function reapAndStop(
  store: TaskStore,
  config: Config,
  task: Task,
  executor: Executor,
  opts: { status?: 'cancelled'; reason?: string },
): Promise<{ task: Task; message: string }> {
  const reaped = reapIfDead(store, task, config, { executor, ...opts }) ?? store.get(task.id);
  const gone = await stopOrphanedGroups(store.paths, task.id, config.cancelGraceMs);
  await schedule(store, config, { executor, lockWaitMs: 2000 }).catch(() => undefined);
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
export async function waitForFinal(store: TaskStore, config: Config, id: string, timeoutMs: number, executor: Executor = localExecutor): Promise<Task | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = store.read(id);
    if (entry && !isBroken(entry)) {
      if (isFinal(entry.status) && !hasLiveGroups(store, id)) return entry;
      if (entry.status === 'running' && reapIfDead(store, entry, config, { executor })) {
        await stopOrphanedGroups(store.paths, id, config.cancelGraceMs, Math.max(0, deadline - Date.now()));
      }
    }
    if (Date.now() >= deadline) return null;
    await sleep(50);
  }
}
