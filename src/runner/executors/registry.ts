// Which executor runs a task: chosen at launch (`--executor`, the project's, or local),
// recorded in the task file (`executor`, `runsOn`), and looked up again whenever its
// worker is started, checked or cancelled. The executor types are the folders beside
// this file; config.json names them in `executors.<name>.type`.
import { TaskError, UsageError } from '../../core/errors.js';
import { isBroken, LOCAL_EXECUTOR, type Task, type TaskEntry } from '../../core/task.js';
import { executorConfig, type Config } from '../../store/config.js';
import type { TaskStore } from '../../store/tasks.js';
import type { Executor, ExecutorType, Freshness, JobWorker, PlacementOptions, WorkerStates } from './executor.js';
import { localType } from './local/local-executor.js';
import { slurmType } from './slurm/slurm-executor.js';

/** Types added to the built-in ones (an executor under test). */
const added = new Map<string, ExecutorType>();

/** The built-in types, read when asked (never while the modules are still loading). */
function builtIn(kind: string): ExecutorType | undefined {
  return kind === 'local' ? localType : kind === 'slurm' ? slurmType : undefined;
}

function typeOf(kind: string): ExecutorType | undefined {
  return added.get(kind) ?? builtIn(kind);
}

/** Makes a type of executor known beside the built-in ones: config.json can name it, and its tasks find it. */
export function registerExecutorType(type: ExecutorType): void {
  added.set(type.kind, type);
}

/** Whether this version knows the executor type of a task (one written by a newer version may not). */
export function isKnown(task: Task): boolean {
  return typeOf(task.runsOn.kind) !== undefined;
}

/** A task of a type this version does not know (written by a newer one): left as it is, never claimed (isKnown). */
function unknownExecutor(task: Task): Executor {
  const why = () => new TaskError(`task ${task.id} runs on an executor of type "${task.runsOn.kind}", which this version does not know`);
  return {
    kind: task.runsOn.kind,
    queue: 'own',
    start: () => Promise.reject(why()),
    states: async () => () => ({ state: 'unknown' }),
    reap: () => null,
    cancel: () => Promise.reject(why()),
    withdraw: async () => undefined,
    describe: () => null,
  };
}

/** The executor of a task as recorded in its file (a job keeps its executor whatever the config says now). */
export function executorFor(task: Task, config: Config): Executor {
  const type = typeOf(task.runsOn.kind);
  if (!type) return unknownExecutor(task);
  const name = task.executor ?? LOCAL_EXECUTOR;
  const configured = name === LOCAL_EXECUTOR ? undefined : executorConfig(config, name);
  // Still checked and cancelled by its job; only a new start needs the configured options.
  return type.create(name, configured?.type === type.kind ? configured : null);
}

/** What a launch records: the executor's name, and where the task runs. */
export type ExecutorFields = Pick<Task, 'executor' | 'runsOn'>;

/**
 * The executor a new task runs on: `--executor`, else its project's, else local. An
 * unknown name is a usage error; an executor that cannot run tasks from this shell (a
 * Slurm one without `sbatch` on the launching shell's PATH) fails the launch before
 * any task file is written.
 */
export function resolveExecutor(
  config: Config,
  name: string | null | undefined,
  environment: NodeJS.ProcessEnv,
  project?: string,
  options: PlacementOptions = {},
): ExecutorFields {
  const wanted = name ?? LOCAL_EXECUTOR;
  if (wanted === LOCAL_EXECUTOR) return { executor: LOCAL_EXECUTOR, runsOn: localType.place(wanted, null, environment, options) };
  const found = executorConfig(config, wanted);
  if (!found) {
    const names = [LOCAL_EXECUTOR, ...Object.keys(config.executors ?? {})].map((n) => `"${n}"`).join(', ');
    const whose = project ? ` (executor of project "${project}")` : '';
    throw new UsageError(`unknown executor ${JSON.stringify(wanted.slice(0, 40))}${whose}: known executors are ${names}`);
  }
  const type = typeOf(found.type);
  if (!type) throw new UsageError(`executor "${wanted}" has type "${found.type}", which this version does not know`);
  return { executor: wanted, runsOn: type.place(wanted, found, environment, options) };
}

/** The per-task options of a finished task that a restart on its executor keeps (its sbatch options). */
export function keptOptions(task: Task): PlacementOptions {
  return typeOf(task.runsOn.kind)?.kept(task) ?? {};
}

/** Whether the task waits in dev-tools' queue and holds one of maxParallelTasks when it runs (a process of this machine). */
export function usesSlots(task: Task, config: Config): boolean {
  return executorFor(task, config).queue === 'slots';
}

/**
 * The state of every task's worker, one call per executor (one squeue for all Slurm
 * jobs). What the answers say of tasks for display, and their warnings, read as one.
 */
export async function workerStates(
  store: TaskStore,
  tasks: Task[],
  config: Config,
  freshness: Freshness = 'cached',
): Promise<WorkerStates> {
  const groups = new Map<string, { executor: Executor; tasks: Task[] }>();
  for (const task of tasks) {
    const executor = executorFor(task, config);
    const group = groups.get(executor.kind) ?? { executor, tasks: [] };
    group.tasks.push(task);
    groups.set(executor.kind, group);
  }
  const answers = new Map<string, WorkerStates>();
  for (const [kind, g] of groups) answers.set(kind, await g.executor.states(store, g.tasks, freshness));
  return combined(answers);
}

function combined(answers: ReadonlyMap<string, WorkerStates>): WorkerStates {
  const states: WorkerStates = (task) => answers.get(task.runsOn.kind)?.(task) ?? { state: 'unknown' };
  const all = [...answers.values()];
  states.problem = all.map((a) => a.problem).find(Boolean) ?? null;
  states.shown = (task) => answers.get(task.runsOn.kind)?.shown?.(task) ?? task;
  states.warning = (shown, now) => all.map((a) => a.warning?.(shown, now) ?? null).find(Boolean) ?? null;
  return states;
}

/** A shared answer an executor keeps in the state dir (squeue.json), for a view that only reads. */
export interface SharedStates {
  /** The files to watch: the answer is read again when one changes. */
  files: string[];
  /** What the answers say now: tasks for display, and a warning line. */
  read(): WorkerStates;
}

/** The shared answers of every executor type that keeps one (the dashboard shows them between its scheduler runs). */
export function sharedStates(store: TaskStore): SharedStates {
  const sources = ['local', 'slurm', ...added.keys()].flatMap((kind) => {
    const s = typeOf(kind)?.sharedStates?.(store);
    return s ? [{ kind, ...s }] : [];
  });
  return {
    files: sources.map((s) => s.file),
    read() {
      const answers = new Map<string, WorkerStates>();
      for (const s of sources) {
        const answer = s.read();
        if (answer) answers.set(s.kind, answer);
      }
      return combined(answers);
    },
  };
}

/** The worker's side of running as a job of an executor of this kind (`worker.cjs <home> <id> <kind>`), or null. */
export function jobWorker(kind: string, env: NodeJS.ProcessEnv): JobWorker | null {
  return typeOf(kind)?.jobWorker?.(env) ?? null;
}

/** The entries with what their executors say of them now (a job's state, why it waits), for display. */
export function shownAll(states: Pick<WorkerStates, 'shown'> | null | undefined, entries: TaskEntry[]): TaskEntry[] {
  const shown = states?.shown;
  if (!shown) return entries;
  return entries.map((e) => (isBroken(e) ? e : shown(e)));
}
