// The processes the local executor starts on this machine: a task's worker, and the
// group stopper that stops what a dead worker left running. Both are detached (own
// process group, stdio not tied to whoever started them) and unref'd.
import { closeSync } from 'node:fs';
import { resumes } from '../../../core/gate.js';
import type { Task } from '../../../core/task.js';
import { openLogForAppend } from '../../../store/logs.js';
import type { TaskStore } from '../../../store/tasks.js';
import { runtimeFile } from '../../runtime-files.js';

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

/** Starts the worker of a claimed task; returns its pid. */
export function spawnWorker(store: TaskStore, task: Task): number {
  // The log is made here, new: anything already at its path was planted (after an approval, the first worker's goes on).
  const fd = openLogForAppend(store.logPath(task.id), resumes(task) ? 'existing-or-new' : 'new');
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
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

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
