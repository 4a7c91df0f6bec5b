// Maintenance: the sweeps for what crashed processes leave behind — temp files and
// launch environments (housekeeping), ledgers whose worker is gone (orphaned command
// groups), onFinish hooks a finisher never started. They are cheap, but a launch, a
// `status` and every waiting loop run the scheduler: so they run at most once every
// MAINTENANCE_MS per state dir (the `maintained` stamp file says when they last ran),
// from whichever scheduler run finds them due. `clean` runs the housekeeping anyway.
// What the slot rule needs every time (a group that outlived its worker holds its slot)
// stays in the scheduler.
import { closeSync, constants, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isBroken, isFinal, waitsForWorker, type Task } from '../core/task.js';
import { safeUnlink, tempFiles } from '../store/atomic.js';
import type { Config } from '../store/config.js';
import { clearFinishPending, finishHookLogPath, finishPendingPath, pendingFinishIds } from '../store/finish-hook.js';
import { launchEnvIds, launchEnvOlderThan, removeLaunchEnv } from '../store/launch-env.js';
import { Ledger, ledgerIds } from '../store/ledger.js';
import type { StatePaths } from '../store/paths.js';
import type { TaskStore } from '../store/tasks.js';
import { runFinishHook } from './finish-hook.js';
import { sweepLedgers } from './orphans.js';
import { isAlive } from './proc.js';

/** How often the sweeps run at most: what they find waits this long at worst (a crash is rare). */
export const MAINTENANCE_MS = 10_000;

export function maintenanceStampPath(paths: StatePaths): string {
  return join(paths.home, 'maintained');
}

/**
 * Whether the sweeps are due, claiming them if so: the stamp is rewritten first, so
 * the scheduler runs of other processes in the next MAINTENANCE_MS skip them. Two
 * processes that both find them due both sweep, which is safe: every sweep is. A
 * stamp that cannot be written (a read-only state dir) leaves them due every time.
 */
export function claimMaintenance(paths: StatePaths, now = Date.now()): boolean {
  const stamp = maintenanceStampPath(paths);
  try {
    const age = now - statSync(stamp).mtimeMs;
    // A stamp from the future (a clock set back) is not trusted for long.
    if (age >= 0 && age < MAINTENANCE_MS) return false;
  } catch {
    // never ran here (or the stamp is gone): due
  }
  try {
    const fd = openSync(stamp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${new Date(now).toISOString()}\n`);
    } finally {
      closeSync(fd);
    }
  } catch {
    // unwritable: the sweeps still run now
  }
  return true;
}

/** A temp file this old whose writer is gone was left by a crash (a live writer renames within milliseconds). */
const STALE_TEMP_MS = 5000;
/** A launch writes the environment just before the task file: younger ones may have no task file yet. */
const STALE_ENV_MS = 60_000;

/**
 * Removes what crashed processes left behind: temp files of writes that never got
 * their rename (task files, the scheduler lock, the config cache, launch
 * environments, onFinish marks, kept branches) and launch environments of tasks that started or ended. Cheap: a
 * few small folders are listed. `active` holds the tasks of tasks/ by id; a temp file
 * of a running task is left to the reaper, which may recover it.
 */
export function sweepStaleFiles(store: TaskStore, active: ReadonlyMap<string, Task>, staleMs = STALE_TEMP_MS): number {
  const { paths } = store;
  let removed = 0;
  const now = Date.now();
  const running = new Set([...active.values()].filter((t) => t.status === 'running').map((t) => store.activePath(t.id)));
  for (const dir of [paths.tasks, paths.locks, paths.home, paths.env, paths.finish, paths.branches]) {
    for (const temp of tempFiles(dir)) {
      if (now - temp.mtimeMs < staleMs || isAlive(temp.pid) || running.has(temp.target)) continue;
      safeUnlink(temp.path);
      removed++;
    }
  }
  for (const id of launchEnvIds(paths)) {
    const task = active.get(id);
    // A task waiting at a gate keeps it for the worker an approval starts.
    if (task && (task.status === 'queued' || task.status === 'waiting' || waitsForWorker(task))) continue;
    // Without a task file it may be a launch in progress, unless old; a finished task's goes now.
    if (!task && !existsSync(store.donePath(id)) && !launchEnvOlderThan(paths, id, STALE_ENV_MS)) continue;
    removeLaunchEnv(paths, id);
    removed++;
  }
  // The ledger of a job whose task ended (its worker was killed after recording it):
  // its processes ended with the job.
  for (const id of ledgerIds(paths)) {
    if (active.has(id)) continue;
    const ledger = new Ledger(paths, id);
    if (!ledger.read()?.worker?.job) continue;
    ledger.remove();
    removed++;
  }
  return removed;
}

/** A finisher normally runs the hook itself at once; the sweep leaves it that long (it has the launching environment). */
const HOOK_SWEEP_AFTER_MS = 3000;

/** Hooks whose finisher died before running them (a worker or reaper killed right after the final write). */
export function sweepFinishHooks(store: TaskStore, config: Config, now = Date.now()): void {
  const pending = pendingFinishIds(store.paths);
  if (pending.length === 0) return;
  // A final task is moved to done/ as it is written: one still in tasks/ is not due yet, and is not read here.
  const active = new Set(store.activeIds());
  for (const id of pending) {
    if (active.has(id)) continue;
    const task = store.read(id);
    if (!task) {
      // Removed by `clean`, or a launch that is still creating its file.
      clearFinishPendingIfOld(store, id, now);
      continue;
    }
    if (isBroken(task) || !isFinal(task.status)) continue;
    const ended = Date.parse(task.completedAt ?? '');
    if (Number.isFinite(ended) && now - ended < HOOK_SWEEP_AFTER_MS) continue;
    // Claimed already (its shell was stopped before it cleared the mark): nothing left to do.
    if (existsSync(finishHookLogPath(store.paths, id))) clearFinishPending(store.paths, id);
    else runFinishHook(store, config, task);
  }
}

function clearFinishPendingIfOld(store: TaskStore, id: string, now: number): void {
  try {
    if (now - statSync(finishPendingPath(store.paths, id)).mtimeMs > 60_000) clearFinishPending(store.paths, id);
  } catch {
    // already gone
  }
}

/**
 * Orphaned command groups, seen to by a scheduler run that could not take the lock
 * (no task file is written then): the live groups of ledgers whose worker is gone are
 * stopped, keeping the worker's record of a task not yet reaped (its reaper reads it).
 */
export function sweepOrphansWithoutLock(store: TaskStore, config: Config): void {
  const unreaped = new Set(
    store
      .listActive()
      .filter((e) => !isBroken(e) && e.status === 'running')
      .map((e) => e.id),
  );
  sweepLedgers(store.paths, config.cancelGraceMs, new Set(), unreaped);
}
