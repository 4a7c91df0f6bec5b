// onWaiting: the user's shell line, run once each time a task starts waiting for a
// person (`approval` at a gate), so a notification reaches whoever must act. The
// sibling of onFinish (finish-hook.ts), with its claim-once rule: the hook's own shell
// creates logs/<id>.onwaiting-<key>.log with O_EXCL, so of any number of starters
// (the worker, the sweep after a crash) one runs it. The sweep (sweepWaitingHooks)
// needs no mark: a waiting task stays in tasks/ and says what it waits for.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isBroken, type Task } from '../core/task.js';
import { projectConfig, type Config } from '../store/config.js';
import { readLaunchEnv } from '../store/launch-env.js';
import type { StatePaths } from '../store/paths.js';
import type { TaskStore } from '../store/tasks.js';
import { existingDir, finishHookEnv } from './finish-hook.js';
import { startDetached } from './program.js';

/** The project's onWaiting, else the top level's; an empty string turns it off for a project. */
export function waitingHookOf(config: Config, project: string): string | null {
  const line = projectConfig(config, project)?.onWaiting ?? config.onWaiting;
  return line ? line : null;
}

/** Which wait a hook is for: the gate's stage for an approval, else what the caller names (one per wait). */
function waitKey(task: Task, waitingFor: string, key?: string): string {
  const k = key ?? (task.gate ? String(task.gate.index) : '0');
  return `${waitingFor}-${k}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function waitingHookLogPath(paths: StatePaths, id: string, key: string): string {
  return join(paths.logs, `${id}.onwaiting-${key}.log`);
}

/** Claims by creating its log (O_EXCL), then becomes the user's line. $1 the log, $2 the line. */
const HOOK_SHELL = 'umask 077; set -C; { : > "$1"; } 2>/dev/null || exit 0; exec >> "$1" 2>&1; exec /bin/sh -c "$2"';

/**
 * Starts the task's onWaiting hook once for this wait: detached, in the task's cwd, in the
 * environment it was launched in (kept in env/<id>.json while it waits), with the
 * variables of onFinish plus `DEV_TOOLS_WAITING_FOR` (`approval`, or what `waitingFor`
 * says) and `DEV_TOOLS_STAGE`. `key` tells waits of one task apart (default: the gate's
 * stage). Never throws: a hook is a nicety.
 */
export function runWaitingHook(
  store: TaskStore,
  config: Config,
  task: Task,
  waitingFor: string,
  opts: { key?: string; baseEnv?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  try {
    const line = waitingHookOf(config, task.project);
    if (!line) return Promise.resolve();
    const log = waitingHookLogPath(store.paths, task.id, waitKey(task, waitingFor, opts.key));
    if (existsSync(log)) return Promise.resolve();
    const launch = readLaunchEnv(store.paths, task.id);
    const env = opts.baseEnv ?? ('env' in launch ? launch.env : process.env);
    const vars = {
      ...finishHookEnv(task),
      DEV_TOOLS_TASK_STATUS: task.status,
      DEV_TOOLS_WAITING_FOR: waitingFor,
      DEV_TOOLS_STAGE: task.gate?.name ?? task.stage?.name ?? '',
    };
    return startDetached(['/bin/sh', '-c', HOOK_SHELL, 'dev-tools-onwaiting', log, line], {
      cwd: existingDir(task.cwd) ?? store.paths.home,
      env: { ...env, ...task.env, ...vars },
    }).then(() => undefined);
  } catch {
    return Promise.resolve();
  }
}

/** A starter normally runs the hook at once; the sweep leaves it that long. */
const HOOK_SWEEP_AFTER_MS = 3000;

/** Hooks of waiting tasks whose starter died before running them (a worker killed right after writing `waiting`). */
export function sweepWaitingHooks(store: TaskStore, config: Config, now = Date.now()): void {
  if (!config.onWaiting && !Object.values(config.projects).some((p) => p.onWaiting)) return;
  for (const entry of store.listActive()) {
    if (isBroken(entry) || entry.status !== 'waiting' || !entry.waitingFor) continue;
    const since = Date.parse(entry.gate?.since ?? '');
    if (Number.isFinite(since) && now - since < HOOK_SWEEP_AFTER_MS) continue;
    void runWaitingHook(store, config, entry, entry.waitingFor);
  }
}
