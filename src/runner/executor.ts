import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import type { JobStates } from '../core/slurm.js';
import type { Task } from '../core/task.js';
import { Ledger } from '../store/ledger.js';
import { ownedByUs } from '../store/paths.js';
import type { TaskStore } from '../store/tasks.js';
import { isSameProcess, signalProcess } from './proc.js';
import { runtimeFile } from './runtime-files.js';

/** A worker as its executor started it: a process of this machine, or a batch job. */
export interface StartedWorker {
  pid?: number;
  jobId?: string;
}

/**
 * What an executor knows of a task's worker: it runs (`node`: where), it waits in
 * the executor's queue, it has ended (`reason` says how, for the task's error), or
 * this cannot be told now (the cluster did not answer): then nobody acts on it.
 */
export type WorkerProbe =
  | { state: 'alive'; node?: string | null }
  | { state: 'pending' }
  | { state: 'ended'; reason: string; jobState?: string }
  | { state: 'unknown' };

/** The answer of one `states` call, read per task; `problem` says why an executor could not be asked. */
export type WorkerStates = ((task: Task) => WorkerProbe) & {
  problem?: string | null;
  /** What the cluster said of its jobs (state, reason, time limit), for display. */
  jobs?: JobStates | null;
};

/**
 * How fresh an executor's answer must be: `now` (ask it, and wait up to a short
 * deadline: `status`), `shared` (an answer a few seconds old will do; a new one is
 * asked for in the background: `wait`, `logs -f`, dashboards) or `cached` (never
 * wait: a local launch must not wait for a cluster). A local process is always seen as it is now.
 */
export type Freshness = 'now' | 'shared' | 'cached';

/**
 * How a task's worker is started, stopped and checked. The local detached process
 * is the default; Slurm (src/runner/slurm.ts) runs the same worker as a batch job.
 * `states` answers for many tasks in one call: the scheduler, `status` and each
 * tick of the dashboard ask once for all their tasks, never once per task.
 */
export interface Executor {
  readonly type: 'local' | 'slurm';
  /** Starts the worker of a claimed task (a detached process; a submitted job). */
  start(store: TaskStore, task: Task): Promise<StartedWorker>;
  /** Asks the worker of a running task to stop; it records `cancelled`. False when there was no worker to ask. */
  cancel(store: TaskStore, task: Task): Promise<boolean>;
  /** The state of the workers of these tasks, in one call. */
  states(store: TaskStore, tasks: Task[], freshness?: Freshness): Promise<WorkerStates>;
}

/**
 * A task's log, opened for appending: never through a symbolic link (O_NOFOLLOW),
 * and never a file with a second name (a hard link planted at the log's path would
 * make the output land in its target), a folder or a file of another user.
 */
export function openLogForAppend(path: string, create: 'new' | 'existing-or-new' = 'existing-or-new'): number {
  const flags =
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | (create === 'new' ? constants.O_EXCL : 0);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST')
      throw Object.assign(new Error(`its log ${path} already exists (not made by dev-tools: remove it)`), { code: e.code });
    if (e.code === 'ELOOP')
      throw Object.assign(new Error(`its log ${path} is a symbolic link (not followed: remove it)`), { code: e.code });
    throw err;
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.nlink !== 1 || !ownedByUs(st)) {
    closeSync(fd);
    throw Object.assign(
      new Error(`its log ${path} is not a plain file of yours (${st.nlink > 1 ? 'a hard link' : 'foreign'}): remove it`),
      { code: 'EEXIST' },
    );
  }
  return fd;
}

// Loaded when a process is started: `status` and most scheduler runs start none, and
// node:child_process costs a few milliseconds to load.
const childProcess = () => process.getBuiltinModule('node:child_process');

/**
 * The environment a worker or group stopper starts with: this process's, without
 * NODE_EXTRA_CA_CERTS. Node parses that CA bundle as it starts (~40 ms of CPU for
 * the 144 certificates of a usual bundle), and these processes open no TLS
 * connection. A task's command never gets the worker's environment: it runs with its
 * launching shell's (env/<id>.json, store/launch-env.ts), that variable included.
 */
function helperEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** The worker of a running task: the task file's pid, or the one it put in its ledger while starting. */
export function localWorkerOf(store: TaskStore, task: Task): Task | null {
  if (task.pid) return task;
  const worker = new Ledger(store.paths, task.id).read()?.worker;
  return worker ? { ...task, pid: worker.pid, pidStartTime: worker.startTime } : null;
}

/** What only a process of this machine allows: a signal of one's choice, a look at its pid. */
interface LocalControls {
  signal(task: Task, signal: NodeJS.Signals): boolean;
  isAlive(task: Task): boolean;
}

/** A detached process on this machine; its liveness is its pid and start time. */
export const localExecutor: Executor & LocalControls = {
  type: 'local',
  async start(store, task) {
    // The log is made here, new: anything already at its path was planted.
    const fd = openLogForAppend(store.logPath(task.id), 'new');
    try {
      // A raw fd, not a pipe: the launcher can exit at once and the worker never gets SIGPIPE.
      const child = childProcess().spawn(process.execPath, [runtimeFile('worker'), store.paths.home, task.id], {
        detached: true,
        stdio: ['ignore', fd, fd],
        cwd: store.paths.home,
        env: helperEnvironment(),
      });
      child.on('error', () => {});
      if (!child.pid) throw new Error('spawn returned no pid');
      child.unref();
      return { pid: child.pid };
    } finally {
      closeSync(fd);
    }
  },
  /** TERM, then CONT so a stopped worker wakes to act on it. */
  async cancel(store, task) {
    const worker = localWorkerOf(store, task);
    if (!worker || !this.signal(worker, 'SIGTERM')) return false;
    this.signal(worker, 'SIGCONT');
    return true;
  },
  /** Checked when read, not when asked: under the scheduler lock it is as fresh as can be. */
  async states() {
    return (task) =>
      isSameProcess(task.pid, task.pidStartTime) ? { state: 'alive' } : { state: 'ended', reason: `worker ${task.pid} died while running` };
  },
  signal(task, signal) {
    // Never a pid whose start time is unknown or differs: it may be anyone's now.
    if (!isSameProcess(task.pid, task.pidStartTime)) return false;
    return signalProcess(task.pid!, signal);
  },
  isAlive(task) {
    return isSameProcess(task.pid, task.pidStartTime);
  },
};

/**
 * Stops the command groups of a task whose worker is gone (TERM, grace, KILL) from a
 * detached helper, so the caller never waits. The helper works from the task's ledger.
 */
export function stopperInBackground(home: string, id: string, graceMs: number): void {
  const child = childProcess().spawn(process.execPath, [runtimeFile('groupStopper'), home, id, String(graceMs)], {
    detached: true,
    stdio: 'ignore',
    env: helperEnvironment(),
  });
  child.on('error', () => {});
  child.unref();
}
