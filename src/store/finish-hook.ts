// The files behind "onFinish runs exactly once per task": finish/<id>.json says a task
// may still need its hook (made at launch, so a crash anywhere later leaves it behind
// for a sweeper), and logs/<id>.onfinish.log, created with O_EXCL by the hook's own
// shell (runner/finish-hook.ts), is the claim itself: whoever creates it runs the hook,
// and nobody else ever will. When the task has a hook, the mark also holds the
// environment the task was launched with (0600, as env/<id>.json): the hook runs in it,
// whoever finishes the task, and the hook's shell removes the mark as it claims.
import { join } from 'node:path';
import { createFileExclusive, safeUnlink } from './atomic.js';
import type { StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';
import { idsIn } from './task-file.js';

export function finishPendingPath(paths: StatePaths, id: string): string {
  return join(paths.finish, `${id}.json`);
}

export function finishHookLogPath(paths: StatePaths, id: string): string {
  return join(paths.logs, `${id}.onfinish.log`);
}

/** At launch: this task's hook is still to run, in `env` (the launching environment) when given. */
export function markFinishPending(paths: StatePaths, id: string, env?: NodeJS.ProcessEnv): void {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env ?? {})) if (typeof v === 'string') vars[k] = v;
  try {
    createFileExclusive(finishPendingPath(paths, id), env ? JSON.stringify({ env: vars }) : '{}');
  } catch (err) {
    // One left by a launch that lost its id race says the same thing.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export function clearFinishPending(paths: StatePaths, id: string): void {
  safeUnlink(finishPendingPath(paths, id));
}

/** Tasks whose hook may still be due (few: only those launched and not yet seen to). */
export function pendingFinishIds(paths: StatePaths): string[] {
  return idsIn(paths.finish);
}

/** The environment a task's hook runs in, as its launch left it in the mark; null when there is none. */
export function finishHookEnvOf(paths: StatePaths, id: string): Record<string, string> | null {
  const file = readOwnFile(finishPendingPath(paths, id), 64 * 1024 * 1024);
  if (!file.ok) return null;
  try {
    const v = (JSON.parse(file.text) as { env?: unknown }).env;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const env: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') env[k] = val;
    return env;
  } catch {
    return null;
  }
}
