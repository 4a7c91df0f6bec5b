// What an executor is: where a task's worker runs, and the one interface through which
// the scheduler, cancel, liveness and the views reach it. Each executor is a folder
// beside this file (local/, slurm/) plus an entry in store/config-schema.ts; the
// registry (registry.ts) finds a task's executor from its `runsOn` and config.json.
import { TaskError } from '../../core/errors.js';
import type { RunsOn, Task, TaskEntry, TaskStatus } from '../../core/task.js';
import type { Config, ExecutorConfig } from '../../store/config.js';
import type { TaskStore } from '../../store/tasks.js';

/** A worker as its executor started it: a process of this machine, or a job in a queue. */
export interface StartedWorker {
  pid?: number;
  jobId?: string;
}

/**
 * What an executor knows of a task's worker: it runs (`node`: where), it waits in
 * the executor's queue, it has ended (`reason` says how, for the task's error;
 * `ranToEnd`: its job ran to its end, so a worker that never wrote could not find
 * the task), or this cannot be told now (a cluster did not answer): then nobody acts on it.
 */
export type WorkerProbe =
  | { state: 'alive'; node?: string | null }
  | { state: 'pending' }
  | { state: 'ended'; reason: string; ranToEnd?: boolean }
  | { state: 'unknown' };

/** The answer of one `states` call, read per task. */
export type WorkerStates = ((task: Task) => WorkerProbe) & {
  /** Why an executor could not be asked now (a line for a warning), or null. */
  problem?: string | null;
  /** The task with what its executor says of it now, for display (a job's state, why it waits); never written. */
  shown?: (task: Task) => Task;
  /** The warning line when some of these shown tasks are shown from an old answer (a controller did not answer), or null. */
  warning?: (shown: readonly TaskEntry[], now: number) => string | null;
};

/**
 * How fresh an executor's answer must be: `now` (ask it, and wait up to a short
 * deadline: `status`), `shared` (an answer a few seconds old will do; a new one is
 * asked for in the background: `wait`, `logs -f`, dashboards) or `cached` (never
 * wait: a local launch must not wait for a cluster). A local process is always seen as it is now.
 */
export type Freshness = 'now' | 'shared' | 'cached';

export interface ReapOptions {
  now?: number;
  /** What the executors said of the workers (a job is judged by it alone). */
  states?: WorkerStates | null;
  /** The caller holds the scheduler lock (needed to reap a task whose worker never showed up). */
  underLock?: boolean;
  /** What to record (cancel records `cancelled` when it had to take over from a stuck worker). */
  status?: Extract<TaskStatus, 'interrupted' | 'cancelled'>;
  reason?: string;
}

export interface Cancelled {
  task: Task;
  message: string;
}

/** The task had already ended: nothing to cancel. */
export class NotRunning extends TaskError {
  constructor(task: Task) {
    super(`task ${task.id} is not running (status: ${task.status})`);
  }
}

/** How a launch reads where a task went: `Slurm job 4211`, with a command to look it up. */
export interface JobDescription {
  /** The system its job waits in (`Slurm`). */
  system: string;
  /** `Slurm job 4211 on executor "hpc" (squeue -j 4211)`, or null before it was submitted. */
  line: string | null;
}

/**
 * How a task's worker is started, stopped and checked. `states` answers for many tasks
 * in one call: the scheduler, `status` and each tick of the dashboard ask once for all
 * their tasks, never once per task.
 */
export interface Executor {
  /** The `runsOn.kind` of its tasks. */
  readonly kind: RunsOn['kind'];
  /**
   * Where its tasks wait: `slots`, in dev-tools' own queue, started while fewer than
   * maxParallelTasks hold a slot (a process of this machine); `own`, in the executor's
   * queue (a cluster's limits apply), submitted as soon as they are launched, `queued`
   * until their worker starts.
   */
  readonly queue: 'slots' | 'own';
  /** Starts the worker of a claimed task (a detached process; a submitted job). */
  start(store: TaskStore, task: Task): Promise<StartedWorker>;
  /** The state of the workers of these tasks, in one call. */
  states(store: TaskStore, tasks: Task[], freshness?: Freshness): Promise<WorkerStates>;
  /**
   * Records an active task whose worker (or job) is gone — `interrupted`, saying how —
   * re-reading its file first; null when it still runs, or nothing is known. The
   * caller runs its onFinish hook.
   */
  reap(store: TaskStore, config: Config, task: Task, opts: ReapOptions): Task | null;
  /**
   * Cancels a task already in its hands (running, or submitted as a job), or stops what
   * a finished one left running, and returns once it is final and its processes are
   * gone. A NotRunning when there was nothing to cancel.
   */
  cancel(store: TaskStore, config: Config, task: Task): Promise<Cancelled>;
  /** A worker started for a task that no longer waited for it (cancelled while it was submitted): stops it. */
  withdraw(store: TaskStore, started: StartedWorker): Promise<void>;
  /** Where a launched task went, in words (null for a local task: the queue says it). */
  describe(task: Task): JobDescription | null;
}

/** The per-task options a launch gives an executor (`--sbatch-arg`). */
export interface PlacementOptions {
  sbatchArgs?: readonly string[];
}

/**
 * A type of executor (`local`, `slurm`): what config.json names in `executors.<name>.type`.
 * It checks a launch (refusing what it cannot run) and makes the executor of a task.
 */
export interface ExecutorType {
  readonly kind: RunsOn['kind'];
  /**
   * Where a new task runs on the executor `name` (configured as `config`, null for
   * local): its `runsOn`, with the per-task options it keeps. Throws a UsageError for
   * options it does not take, a TaskError when it cannot run tasks from this shell
   * (no sbatch on PATH) — before any task file is written.
   */
  place(name: string, config: ExecutorConfig | null, environment: NodeJS.ProcessEnv, options: PlacementOptions): RunsOn;
  /** The options of a finished task that a restart on the same executor keeps. */
  kept(task: Task): PlacementOptions;
  /** The executor of a task on `name` (configured as `config`; null when it no longer is: then it cannot start tasks). */
  create(name: string, config: ExecutorConfig | null): Executor;
  /** The worker's side of running as a job of this executor (`worker.cjs <home> <id> <kind>`), from its environment. */
  jobWorker?(env: NodeJS.ProcessEnv): JobWorker | null;
  /** Its shared answer for display (the dashboard, between scheduler runs): file to watch, and how it reads. */
  sharedStates?(store: TaskStore): { file: string; read: () => WorkerStates | null };
}

/** How a task's worker behaves when it runs as a job (a Slurm batch job), not as a process this machine started. */
export interface JobWorker {
  jobId: string;
  /** A job the executor ran again (requeued) finds its task from an earlier run: that run is recorded ended. */
  beforeStart(store: TaskStore, found: Task | null): Promise<void>;
  /** The task as this worker starts it, with its first write: `running`, as this job, on this node. */
  started(task: Task): Task;
  /** What the job's environment gives its commands too (SLURM_JOB_ID, ...). */
  commandEnv(): Record<string, string>;
  /** How a SIGTERM that no dev-tools cancel asked for reads (a time limit, preemption, an admin). */
  stoppedFromOutside(): { status: 'interrupted'; error: string; detail?: Promise<string> };
  /** The cluster signals every process of the job at once: a failed step waits this long for the worker's own SIGTERM. */
  readonly signalSettleMs: number;
}
