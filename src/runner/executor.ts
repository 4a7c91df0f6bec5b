import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import type { Task } from '../core/task.js';
import { ownedByUs } from '../store/paths.js';
import type { TaskStore } from '../store/tasks.js';
import { isSameProcess, signalProcess } from './proc.js';
import { runtimeFile } from './runtime-files.js';

/**
 * How a task's worker is started, signalled and checked. The local detached
 * process is the built-in one; a remote executor (SSH, a Kubernetes Job) can
 * implement the same three calls.
 */
export interface Executor {
  start(store: TaskStore, task: Task): { pid: number };
  signal(task: Task, signal: NodeJS.Signals): boolean;
  isAlive(task: Task): boolean;
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

export const localExecutor: Executor = {
  start(store, task) {
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
