// The local executor, the default: a task's worker is a detached process of this
// machine, held to maxParallelTasks, alive while its pid and start time match.
import { UsageError } from '../../../core/errors.js';
import { RUNS_HERE } from '../../../core/task.js';
import type { Executor, ExecutorType } from '../executor.js';
import { cancelLocal } from './cancel.js';
import { reapLocal, workerAlive } from './liveness.js';
import { spawnWorker } from './worker-process.js';

export const localExecutor: Executor = {
  kind: 'local',
  queue: 'slots',
  async start(store, task) {
    return { pid: spawnWorker(store, task) };
  },
  /** Checked when read, not when asked: under the scheduler lock it is as fresh as can be. */
  async states() {
    return (task) => (workerAlive(task) ? { state: 'alive' } : { state: 'ended', reason: `worker ${task.runsOn.pid} died while running` });
  },
  reap: (store, _config, task, opts) => reapLocal(store, task, opts),
  cancel: cancelLocal,
  // Its worker makes its own first write, and finds a cancelled task cancelled: nothing to withdraw.
  async withdraw() {},
  describe: () => null,
};

export const localType: ExecutorType = {
  kind: 'local',
  place(_name, _config, _environment, options) {
    if (options.sbatchArgs?.length)
      throw new UsageError('--sbatch-arg is for a task on a Slurm executor, and this one runs here (choose one with --executor <name>)');
    return { ...RUNS_HERE };
  },
  kept: () => ({}),
  create: () => localExecutor,
};
