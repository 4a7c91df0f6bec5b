// The files behind "onFinish runs exactly once per task": finish/<id>.json says a task
// may still need its hook (made at launch, so a crash anywhere later leaves it behind
// for a sweeper), and logs/<id>.onfinish.log, created with O_EXCL by the hook's own
// shell (runner/finish-hook.ts), is the claim itself: whoever creates it runs the hook,
// and nobody else ever will.
import { join } from 'node:path';
import { createFileExclusive, safeUnlink } from './atomic.js';
import type { StatePaths } from './paths.js';
import { idsIn } from './task-file.js';

export function finishPendingPath(paths: StatePaths, id: string): string {
  return join(paths.finish, `${id}.json`);
}

export function finishHookLogPath(paths: StatePaths, id: string): string {
  return join(paths.logs, `${id}.onfinish.log`);
}

/** At launch: this task's hook is still to run. */
export function markFinishPending(paths: StatePaths, id: string): void {
  try {
    createFileExclusive(finishPendingPath(paths, id), '{}');
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
