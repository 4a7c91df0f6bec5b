// Which executor runs a task: chosen at launch (`--executor`, the project's, or local),
// recorded in the task file, and looked up again whenever its worker is started or checked.
import { TaskError, UsageError } from '../core/errors.js';
import { LOCAL_EXECUTOR, type Task } from '../core/task.js';
import { executorConfig, type Config } from '../store/config.js';
import type { TaskStore } from '../store/tasks.js';
import { localExecutor, type Executor, type Freshness, type WorkerStates } from './executor.js';
import { sbatchArgProblem } from '../core/slurm.js';
import { slurmExecutor } from './slurm.js';
import { findSlurmCommand } from './slurm-commands.js';

/** The executor of a task as recorded in its file (a Slurm task keeps its job whatever the config says now). */
export function executorFor(task: Task, config: Config): Executor {
  if (!task.slurm) return localExecutor;
  const named = executorConfig(config, task.executor ?? '');
  if (named) return slurmExecutor(named.sbatchArgs);
  // Still checked and cancelled by its job; only a new submission needs the configured options.
  const base = slurmExecutor();
  return {
    ...base,
    start: () => Promise.reject(new Error(`executor "${task.executor}" is no longer configured in config.json`)),
  };
}

/** What a launch records: the executor's name, and an empty job for a Slurm one. */
export type ExecutorFields = Pick<Task, 'executor' | 'slurm'>;

/**
 * The executor a new task runs on: `--executor`, else its project's, else local.
 * An unknown name is a usage error; a Slurm executor without `sbatch` on the
 * launching shell's PATH fails the launch before any task file is written.
 */
export function resolveExecutor(
  config: Config,
  name: string | null | undefined,
  environment: NodeJS.ProcessEnv,
  project?: string,
  sbatchArgs: readonly string[] = [],
): ExecutorFields {
  const wanted = name ?? LOCAL_EXECUTOR;
  if (wanted === LOCAL_EXECUTOR) {
    if (sbatchArgs.length)
      throw new UsageError('--sbatch-arg is for a task on a Slurm executor, and this one runs here (choose one with --executor <name>)');
    return { executor: LOCAL_EXECUTOR };
  }
  const found = executorConfig(config, wanted);
  if (!found) {
    const names = [LOCAL_EXECUTOR, ...Object.keys(config.executors ?? {})].map((n) => `"${n}"`).join(', ');
    const whose = project ? ` (executor of project "${project}")` : '';
    throw new UsageError(`unknown executor ${JSON.stringify(wanted.slice(0, 40))}${whose}: known executors are ${names}`);
  }
  for (const arg of sbatchArgs) {
    const problem = sbatchArgProblem(arg);
    if (problem) throw new UsageError(`--sbatch-arg ${JSON.stringify(arg.slice(0, 60))}: ${problem}`);
  }
  const sbatch = findSlurmCommand('sbatch', environment.PATH);
  if ('problem' in sbatch) throw new TaskError(`executor "${wanted}" runs tasks on Slurm, but ${sbatch.problem}`);
  return { executor: wanted, slurm: { jobId: null, node: null, ...(sbatchArgs.length ? { sbatchArgs: [...sbatchArgs] } : {}) } };
}

/** The state of every task's worker, one call per executor type (one squeue for all Slurm jobs). */
export async function workerStates(
  store: TaskStore,
  tasks: Task[],
  config: Config,
  freshness: Freshness = 'cached',
): Promise<WorkerStates> {
  const remote = tasks.filter((t) => t.slurm?.jobId);
  const slurm = remote.length ? await executorFor(remote[0]!, config).states(store, remote, freshness) : null;
  const local = await localExecutor.states(
    store,
    tasks.filter((t) => !t.slurm),
  );
  const states: WorkerStates = (task) => (task.slurm ? (slurm ? slurm(task) : { state: 'unknown' }) : local(task));
  states.problem = slurm?.problem ?? null;
  states.jobs = slurm?.jobs ?? null;
  return states;
}
