// Launching: a new task (or a restart of a finished one) is written `queued`, and the
// scheduler, the only way into `running`, decides whether it starts now.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeError, TaskError, UsageError } from '../core/errors.js';
import { dependencyCycle, type QueueSpec } from '../core/queue.js';
import { gateAt, waitingAt } from '../core/gate.js';
import { expectedCost, taskBudget } from '../core/spend.js';
import {
  historyKey,
  isBroken,
  isFinal,
  jobOf,
  PROJECT_NAME_RE,
  PROJECT_NAME_RULE,
  submittedJob,
  type Budget,
  type Task,
} from '../core/task.js';
import { expandHome, projectConfig, type Config } from '../store/config.js';
import { clearFinishPending, markFinishPending } from '../store/finish-hook.js';
import { recentCosts } from '../store/history.js';
import { removeLaunchEnv, writeLaunchEnv } from '../store/launch-env.js';
import type { TaskStore } from '../store/tasks.js';
import type { JobDescription } from './executors/executor.js';
import { executorFor, keptOptions, resolveExecutor } from './executors/registry.js';
import { containmentProblem } from './containment.js';
import { finishHookOf } from './finish-hook.js';
import { runWaitingHook } from './waiting-hook.js';
import { UnusableLock } from './lock.js';
import { noSchedule, schedule, type ScheduleResult } from './scheduler.js';

export interface LaunchSpec {
  project: string;
  description: string;
  command?: string[] | null;
  noQueue?: boolean;
  restartOf?: string | null;
  /** `local`, or a configured executor; default: the project's, else local. */
  executor?: string | null;
  /**
   * The environment the task runs with, whoever starts it: the launching shell's.
   * Defaults to this process's; the dashboard passes the one it was started with.
   */
  environment?: NodeJS.ProcessEnv;
  /** `--worktree` / `--no-worktree`: overrides the project's `isolation`. */
  worktree?: boolean | null;
  /** `--base <rev>`: the commit a worktree task starts from (default: HEAD at launch). */
  base?: string | null;
  /** `--sbatch-arg`: options for sbatch for this task, after its executor's. */
  sbatchArgs?: string[];
  /** The queue's controls (`--after`, `--priority`, `--timeout`, `--retries`). */
  queue?: QueueSpec;
  /** `--budget <usd>`: the spend in dollars that stops it (over its project's `budget.costUsd`). */
  budgetUsd?: number | null;
  /** `--tty`: in a terminal of its own (default: the project's `tty`). */
  tty?: boolean | null;
}

export type { QueueSpec };

export interface LaunchResult {
  task: Task;
  started: boolean;
  /** The worker's pid when this launch started it. */
  workerPid: number | null;
  /** The job a task of an executor with a queue of its own was submitted as (it stays queued while the job is pending). */
  jobId: string | null;
  /** Where such a task went, in words (`Slurm`, `Slurm job 4211 on executor "hpc" (squeue -j 4211)`); null for a local task. */
  job: JobDescription | null;
  /** 1-based place in the queue when the task waits. */
  queuePosition: number | null;
  running: number;
  max: number;
  /** Lines for the user about the launch (uncommitted changes left out of a worktree). */
  notes: string[];
}

// An environment variable holds at most 128 KiB on Linux; the description travels as one.
const MAX_DESCRIPTION = 64 * 1024;

type TaskFields = Pick<
  Task,
  'project' | 'description' | 'command' | 'stages' | 'cwd' | 'env' | 'restartOf' | 'executor' | 'runsOn' | 'isolation' | 'budget' | 'tty'
> &
  QueueFields;

type QueueFields = Partial<Pick<Task, 'after' | 'priority' | 'timeout' | 'attempts' | 'retryDelay' | 'retryOnTimeout'>>;

/**
 * The queue fields of a new task: what was given, else the project's. Each `--after`
 * must name an existing task (ids or prefixes, comma lists too), and no cycle may form.
 */
function queueFields(store: TaskStore, config: Config, project: string, spec: QueueSpec = {}, inherited: QueueFields = {}): QueueFields {
  const p = projectConfig(config, project);
  const out: QueueFields = {};
  const after = [
    ...new Set(
      (spec.after ?? [])
        .flatMap((a) => a.split(','))
        .map((a) => a.trim())
        .filter(Boolean)
        .map((a) => resolveAfter(store, a)),
    ),
  ];
  if (after.length) {
    const cycle = dependencyCycle('(new task)', after, (id) => {
      const e = store.read(id);
      return e && !isBroken(e) ? (e.after ?? []) : null;
    });
    if (cycle) throw new UsageError(`--after: the dependencies form a cycle (${cycle.join(' → ')})`);
    out.after = after;
  }
  const priority = spec.priority ?? inherited.priority;
  if (priority) out.priority = priority;
  const timeout = spec.timeout ?? inherited.timeout ?? p?.timeout;
  if (timeout) out.timeout = timeout;
  const retries = spec.retries ?? (inherited.attempts !== undefined ? inherited.attempts - 1 : p?.retries);
  if (retries) {
    out.attempts = retries + 1;
    const delay = inherited.retryDelay ?? p?.retryDelay;
    if (delay) out.retryDelay = delay;
    if (inherited.retryOnTimeout ?? p?.retryOnTimeout) out.retryOnTimeout = true;
  }
  return out;
}

function resolveAfter(store: TaskStore, input: string): string {
  try {
    return store.resolveId(input);
  } catch (err) {
    throw new UsageError(`--after ${JSON.stringify(input.slice(0, 40))}: ${describeError(err)}`);
  }
}

/** What a launch will run (the given command, or the project's pipeline) and where. */
function resolveSpec(config: Config, spec: LaunchSpec, environment: NodeJS.ProcessEnv, cwd = process.cwd()): TaskFields {
  if (!PROJECT_NAME_RE.test(spec.project)) {
    throw new UsageError(`invalid project name ${JSON.stringify(spec.project.slice(0, 40))}: ${PROJECT_NAME_RULE}`);
  }
  checkDescription(spec.description);
  const project = projectConfig(config, spec.project);
  const command = spec.command && spec.command.length > 0 ? spec.command : null;
  if (!command && !project?.stages.length) {
    const names = Object.entries(config.projects)
      .filter(([, p]) => p.stages.length > 0)
      .map(([n]) => n);
    const known = names.length ? `configured projects with stages: ${names.join(', ')}` : 'no project has stages in config.json';
    throw new UsageError(`project "${spec.project}" has no stages to run and no command was given after "--" (${known})`);
  }
  const dir = project?.cwd ? resolve(expandHome(project.cwd)) : cwd;
  checkDir(dir, spec.project);
  const where = resolveExecutor(config, spec.executor ?? project?.executor, environment, spec.executor ? undefined : spec.project, {
    sbatchArgs: spec.sbatchArgs,
  });
  if (jobOf(where) && spec.noQueue) {
    throw new UsageError(`--no-queue is for local tasks: a task on executor "${where.executor}" waits in the cluster's queue`);
  }
  // A limit is never ignored: refused here where it cannot be applied, as is a cgroup that must be had.
  const limits = project?.limits ?? {};
  if (jobOf(where) && (limits.memory !== undefined || limits.cpus !== undefined)) {
    throw new TaskError(
      `project "${spec.project}" has limits, which apply to local tasks: on executor "${where.executor}" ask its cluster (--sbatch-arg=--mem=..., --cpus-per-task=...)`,
    );
  }
  const problem = jobOf(where) ? null : containmentProblem(config.containment ?? 'auto', limits, environment);
  if (problem) throw new TaskError(`cannot launch a task of project "${spec.project}": ${problem}`);
  const tty = checkTty(spec.tty ?? project?.tty ?? false, where);
  return {
    project: spec.project,
    description: spec.description,
    command,
    stages: command ? null : project!.stages,
    cwd: dir,
    env: { ...(project?.env ?? {}) },
    restartOf: spec.restartOf ?? null,
    ...where,
    ...budgetOf(taskBudget(project?.budget, spec.budgetUsd)),
    ...(tty ? { tty } : {}),
  };
}

/** Only a task with a budget has the field. */
function budgetOf(budget: Budget | null): { budget?: Budget } {
  return budget ? { budget } : {};
}

/** What earlier runs of the same job cost (their median), from the history the ETA reads: one small file. */
function expectedCostOf(store: TaskStore, fields: TaskFields): { expectedCostUsd?: number } {
  try {
    const cost = expectedCost(recentCosts(store.paths, historyKey(fields)));
    return cost === null ? {} : { expectedCostUsd: cost };
  } catch {
    return {};
  }
}

/** A terminal is served by a worker of this machine: a task on a cluster cannot have one. */
function checkTty(tty: boolean, where: Pick<Task, 'executor' | 'runsOn'>): boolean {
  if (tty && jobOf(where)) {
    throw new UsageError(
      `--tty is for local tasks: a task on executor "${where.executor}" runs on a node that send and attach cannot reach`,
    );
  }
  return tty;
}

function checkDescription(description: string): void {
  if (description.trim() === '') throw new UsageError('the description is empty');
  if (description.includes('\0')) throw new UsageError('the description contains a NUL character');
  if (Buffer.byteLength(description) > MAX_DESCRIPTION) {
    throw new UsageError(`the description is too long (${Buffer.byteLength(description)} bytes; at most ${MAX_DESCRIPTION})`);
  }
}

function checkDir(dir: string, project: string): void {
  let ok: boolean;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`working directory of project "${project}" does not exist: ${dir}`);
}

/** Creates the task as `queued` and runs the scheduler: the only way into `running`. */
export async function launchTask(store: TaskStore, config: Config, spec: LaunchSpec): Promise<LaunchResult> {
  const environment = spec.environment ?? process.env;
  const fields = { ...resolveSpec(config, spec, environment), ...queueFields(store, config, spec.project, spec.queue) };
  const project = projectConfig(config, spec.project);
  const isolated = spec.worktree ?? project?.isolation === 'worktree';
  if (!isolated) {
    if (spec.base) throw new UsageError('--base goes with a worktree task (--worktree, or a project with "isolation": "worktree")');
    return createAndSchedule(store, config, fields, spec.noQueue ?? false, environment);
  }
  // Git only for a worktree task: the others never load it.
  const { resolveIsolation } = await import('./isolation.js');
  const resolved = await resolveIsolation(spec.project, fields.cwd, { base: spec.base, setup: project?.setup, copy: project?.copy });
  const notes = resolved.uncommitted
    ? [
        `note: ${resolved.uncommitted} file${resolved.uncommitted === 1 ? '' : 's'} with uncommitted changes in ${resolved.isolation.repo} ${resolved.uncommitted === 1 ? 'stays' : 'stay'} out of the worktree (it starts from ${resolved.isolation.base.slice(0, 12)})`,
      ]
    : [];
  return createAndSchedule(store, config, { ...fields, isolation: resolved.isolation }, spec.noQueue ?? false, environment, notes);
}

async function createAndSchedule(
  store: TaskStore,
  config: Config,
  fields: TaskFields,
  noQueue: boolean,
  environment: NodeJS.ProcessEnv,
  notes: string[] = [],
): Promise<LaunchResult> {
  const queued: Omit<Task, 'id' | 'logFile'> = {
    ...fields,
    ...expectedCostOf(store, fields),
    status: 'queued',
    createdAt: new Date().toISOString(),
  };
  // A gate before the first stage: it waits from the start, and no worker, slot or job is spent on it.
  const gated = gateAt(queued, 0);
  const base = gated ? waitingAt(queued as Task, 0, Date.now()) : queued;
  // Its onFinish runs in this environment too, whoever finishes the task: kept with the hook's mark.
  const hookEnv = finishHookOf(config, fields.project) ? environment : undefined;
  // The environment goes to its own 0600 file first, so a task is never seen without it.
  const create = () =>
    store.create(base, {
      prepare: (id: string) => {
        writeLaunchEnv(store.paths, id, environment);
        markFinishPending(store.paths, id, hookEnv);
      },
      discard: (id: string) => {
        removeLaunchEnv(store.paths, id);
        clearFinishPending(store.paths, id);
      },
    });
  let task: Task;
  let result: ScheduleResult;
  if (gated) {
    task = create();
    await runWaitingHook(store, config, task, task.waitingFor!);
    const running = store.listActive().filter((e) => !isBroken(e) && e.status === 'running').length;
    result = noSchedule(running);
  } else if (noQueue) {
    // Created by the scheduler under its lock, and only if a slot is free for it.
    result = await schedule(store, config, { lockWaitMs: 10_000, admit: create });
    task = result.admitted!;
  } else {
    task = create();
    try {
      result = await schedule(store, config, { lockWaitMs: 30_000 });
    } catch (err) {
      if (err instanceof UnusableLock) {
        // Nobody can take the lock, so nobody can start the task: it goes, and the launch fails.
        store.discardQueued(task.id);
        removeLaunchEnv(store.paths, task.id);
        clearFinishPending(store.paths, task.id);
        throw err;
      }
      // The task is queued, and stays so: this launch succeeded, and the next scheduler run with room starts it.
      // (Failing here would make a script that retries run it twice.)
      notes.push(
        `note: ${task.id} is queued, but the scheduler could not run now (${describeError(err)}); it starts at the next command that can (dev-tools status)`,
      );
      const running = store.listActive().filter((e) => !isBroken(e) && e.status === 'running').length;
      result = noSchedule(running);
    }
  }
  const now = store.read(task.id);
  const current = now && !isBroken(now) ? now : task;
  const position = result.queued.findIndex((t) => t.id === task.id);
  return {
    task: current,
    started: current.status !== 'queued' && current.status !== 'waiting',
    workerPid: result.workerPids[task.id] ?? current.runsOn.pid ?? null,
    jobId: submittedJob(current),
    job: executorFor(current, config).describe(current),
    queuePosition: current.status === 'queued' ? (position >= 0 ? position + 1 : null) : null,
    running: result.running,
    max: config.maxParallelTasks,
    notes,
  };
}

/** What was edited before a restart (the dashboard's R): the launch form's fields. */
export type RestartEdit = Pick<LaunchSpec, 'project' | 'description' | 'command'>;

/**
 * A new task with the same spec as a finished one, on the same executor unless
 * `executor` names another; the original keeps its log. With `edit`, its description
 * and command (null: the project's stages) are the edited ones, and it still runs
 * where the original ran (cwd, worktree base, environment); under another project's
 * name it is a launch of that project.
 */
export async function restartTask(
  store: TaskStore,
  config: Config,
  id: string,
  environment: NodeJS.ProcessEnv = process.env,
  executor?: string | null,
  sbatchArgs: string[] = [],
  edit?: RestartEdit,
  tty?: boolean | null,
  queue: QueueSpec = {},
): Promise<LaunchResult> {
  const original = store.get(id);
  if (!isFinal(original.status)) throw new TaskError(`task ${original.id} is ${original.status}; cancel it first`);
  if (edit && edit.project !== original.project) {
    return launchTask(store, config, { ...edit, restartOf: original.id, environment, executor, sbatchArgs, tty, queue });
  }
  if (edit) checkDescription(edit.description);
  const run = edit ? editedRun(config, original, edit) : { command: original.command ?? null, stages: original.stages ?? null };
  checkDir(original.cwd, original.project);
  const on = executor ?? original.executor;
  // Its own sbatch options go with it to the same executor; new ones come after (the last of two wins: more --time).
  const kept = on === original.executor ? (keptOptions(original).sbatchArgs ?? []) : [];
  const where = resolveExecutor(config, on, environment, undefined, { sbatchArgs: [...kept, ...sbatchArgs] });
  // In a new terminal of its own, as the original ran (or as `--tty` asks).
  const inTerminal = checkTty(tty ?? Boolean(original.tty), where);
  const fields: TaskFields = {
    ...where,
    project: original.project,
    description: edit?.description ?? original.description,
    ...run,
    cwd: original.cwd,
    env: { ...original.env },
    restartOf: original.id,
    ...budgetOf(original.budget ?? null),
    // The same base, setup and copy, in a worktree of its own.
    ...(original.isolation ? { isolation: original.isolation } : {}),
    ...(inTerminal ? { tty: true } : {}),
    // Its timeout, retries and priority go with it; dependencies only as given now.
    ...queueFields(store, config, original.project, queue, original),
  };
  return createAndSchedule(store, config, fields, false, environment);
}

/** What an edited restart runs: the command typed, else the stages the original ran, else its project's. */
function editedRun(config: Config, original: Task, edit: RestartEdit): Pick<Task, 'command' | 'stages'> {
  if (edit.command && edit.command.length > 0) return { command: edit.command, stages: null };
  const stages = original.stages ?? projectConfig(config, original.project)?.stages;
  if (!stages?.length) throw new UsageError(`project "${original.project}" has no stages to run: give a command`);
  return { command: null, stages };
}
