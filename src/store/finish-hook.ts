// The files behind "onFinish runs exactly once per task": finish/<id>.json says a task
// may still need its hook (made at launch, so a crash anywhere later leaves it behind
// for a sweeper), and logs/<id>.onfinish.log, created with O_EXCL, is the claim itself:
// whoever creates it runs the hook, and nobody else ever will.
import { constants, openSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive, safeUnlink } from './atomic.js';
import type { StatePaths } from './paths.js';
import { idsIn } from './task-file.js';

function pendingPath(paths: StatePaths, id: string): string {
  return join(paths.finish, `${id}.json`);
}

export function finishHookLogPath(paths: StatePaths, id: string): string {
  return join(paths.logs, `${id}.onfinish.log`);
}

/** At launch: this task's hook is still to run. */
export function markFinishPending(paths: StatePaths, id: string): void {
  try {
    createFileExclusive(pendingPath(paths, id), '{}');
  } catch (err) {
    // One left by a launch that lost its id race says the same thing.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

export function clearFinishPending(paths: StatePaths, id: string): void {
  safeUnlink(pendingPath(paths, id));
}

/** Tasks whose hook may still be due (few: only those launched and not yet seen to). */
export function pendingFinishIds(paths: StatePaths): string[] {
  return idsIn(paths.finish);
}

/**
 * Claims the task's hook: the fd of its new output log, or null when another process
 * claimed it first. Never through a planted symlink.
 */
export function claimFinishHook(paths: StatePaths, id: string): number | null {
  try {
    return openSync(
      finishHookLogPath(paths, id),
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_APPEND,
      0o600,
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
}
