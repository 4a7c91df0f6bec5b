// A test hook of the worker, kept apart from the run it stops.

/**
 * Test-only: DEV_TOOLS_TEST_STOP_AT=<point> makes the worker stop itself (SIGSTOP) at
 * that point, so a test can kill it exactly there. Points: `spawned` (first command
 * started, its pid not yet recorded), `stage-spawned` (a later stage started, still
 * recorded as the previous one), `final-write` (final state written to its temp file,
 * not yet renamed into place), `worktree-add` (`git worktree add` started, with its
 * hooks), `finish-hook` (final state written, its onFinish not yet started),
 * `dependency-failed` (a scheduler run wrote one queued task failed for its dependency,
 * under the lock, before the others and its onFinish), `retry-wait` (an attempt failed,
 * the next one not yet started), `waiting-write` (a gate's `waiting` state in its temp
 * file), `waiting-hook` (`waiting` written, its onWaiting not yet started). Unset, it
 * does nothing.
 */
const TEST_STOP_AT = process.env.DEV_TOOLS_TEST_STOP_AT;
export function testPoint(
  name:
    | 'spawned'
    | 'stage-spawned'
    | 'final-write'
    | 'worktree-add'
    | 'finish-hook'
    | 'dependency-failed'
    | 'retry-wait'
    | 'waiting-write'
    | 'waiting-hook',
): void {
  if (TEST_STOP_AT === name) process.kill(process.pid, 'SIGSTOP');
}
