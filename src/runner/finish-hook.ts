// onFinish: the user's shell line, run once per task after its final state is written.
// Whoever records the final state starts it (the worker, a reaper, cancel); the
// maintenance sweep (maintenance.ts) catches a finisher that crashed before it could.
// The hook's own shell claims it (HOOK_SHELL), so however many start it and whoever
// dies when, it runs once.
import { statSync } from 'node:fs';
import { isFinal, type Task } from '../core/task.js';
import { projectConfig, type Config } from '../store/config.js';
import { clearFinishPending, finishHookEnvOf, finishHookLogPath, finishPendingPath } from '../store/finish-hook.js';
import { readLaunchEnv } from '../store/launch-env.js';
import type { TaskStore } from '../store/tasks.js';
import { startDetached } from './program.js';

/** The project's onFinish, else the top level's; an empty string turns it off for a project. */
export function finishHookOf(config: Config, project: string): string | null {
  const own = projectConfig(config, project)?.onFinish;
  const line = own ?? config.onFinish;
  return line ? line : null;
}

/** What the hook is told, beside the environment it runs in. */
export function finishHookEnv(task: Task): Record<string, string> {
  return {
    DEV_TOOLS_TASK_ID: task.id,
    DEV_TOOLS_TASK_STATUS: task.status,
    DEV_TOOLS_EXIT_CODE: task.exitCode === null || task.exitCode === undefined ? '' : String(task.exitCode),
    DEV_TOOLS_TASK_SIGNAL: task.signal ?? '',
    DEV_TOOLS_PROJECT: task.project,
    DEV_TOOLS_TASK_DESCRIPTION: task.description,
  };
}

/**
 * The shell a hook runs in: it claims the hook by creating its output log with O_EXCL
 * (noclobber: a second shell finds it and exits), then clears the launch's mark and
 * becomes the hook. The claim is in the process that runs the hook, so a finisher that
 * dies before starting it leaves the mark to the sweep, and one that dies after leaves
 * a claimed hook running. $1 the log, $2 the mark, $3 the user's line.
 */
const HOOK_SHELL = 'umask 077; set -C; { : > "$1"; } 2>/dev/null || exit 0; exec >> "$1" 2>&1; rm -f "$2"; exec /bin/sh -c "$3"';

/**
 * The environment the task ran in, for its hook, whoever finishes it: the one its launch
 * kept in the hook's mark; for a task that never started, its launch environment; else
 * (a hook added to config.json after the launch) the finisher's own.
 */
function taskEnvironment(store: TaskStore, id: string): NodeJS.ProcessEnv {
  const kept = finishHookEnvOf(store.paths, id);
  if (kept) return kept;
  const launch = readLaunchEnv(store.paths, id);
  return 'env' in launch ? launch.env : process.env;
}

/**
 * Starts the task's hook if it has one and nobody ran it yet: detached, in its own
 * process group, output to logs/<id>.onfinish.log, never waited for, in the task's own
 * environment (`baseEnv`, from its worker; else the one kept for it at launch). Never
 * throws or rejects: a hook is a nicety, the task's state is what counts. Resolves once it
 * started (a command that exits waits for that: runner/program.ts programsStarted).
 */
export function runFinishHook(store: TaskStore, config: Config, task: Task, baseEnv?: NodeJS.ProcessEnv): Promise<void> {
  if (!isFinal(task.status)) return Promise.resolve();
  try {
    const line = finishHookOf(config, task.project);
    if (!line) {
      clearFinishPending(store.paths, task.id);
      return Promise.resolve();
    }
    const env = baseEnv ?? taskEnvironment(store, task.id);
    // Not started (no process left, say): the mark stays, and the next sweep tries again.
    return startDetached(
      [
        '/bin/sh',
        '-c',
        HOOK_SHELL,
        'dev-tools-onfinish',
        finishHookLogPath(store.paths, task.id),
        finishPendingPath(store.paths, task.id),
        line,
      ],
      { cwd: existingDir(task.cwd) ?? store.paths.home, env: { ...env, ...task.env, ...finishHookEnv(task) } },
    ).then(() => undefined);
  } catch {
    // not started: as above
    return Promise.resolve();
  }
}

/** `path` if it is a folder that exists (a hook runs there), else null. */
export function existingDir(path: string | undefined): string | null {
  if (!path) return null;
  try {
    return statSync(path).isDirectory() ? path : null;
  } catch {
    return null;
  }
}
