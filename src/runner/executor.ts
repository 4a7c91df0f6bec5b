import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { Task } from '../core/task.js';
import type { TaskStore } from '../store/tasks.js';
import { isAlive, signalProcess } from './proc.js';
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

export function openLogForAppend(path: string): number {
  return openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
}

export const localExecutor: Executor = {
  start(store, task) {
    const fd = openLogForAppend(store.logPath(task.id));
    try {
      // A raw fd, not a pipe: the launcher can exit at once and the worker never gets SIGPIPE.
      const child = spawn(process.execPath, [runtimeFile('worker'), store.paths.home, task.id], {
        detached: true,
        stdio: ['ignore', fd, fd],
        cwd: store.paths.home,
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
    if (!task.pid || !isAlive(task.pid, task.pidStartTime)) return false;
    return signalProcess(task.pid, signal);
  },
  isAlive(task) {
    return isAlive(task.pid, task.pidStartTime);
  },
};

/** Stops a process group (TERM, grace, KILL) from a detached helper, so the caller never waits. */
export function stopGroupInBackground(pgid: number, leaderStartTime: number | null | undefined, graceMs: number): void {
  const child = spawn(process.execPath, [runtimeFile('groupStopper'), String(pgid), String(leaderStartTime ?? 0), String(graceMs)], {
    detached: true,
    stdio: 'ignore',
  });
  child.on('error', () => {});
  child.unref();
}
