import { waitsForWorker, type Task } from '../core/task.js';
import { safeUnlink, tempFiles } from '../store/atomic.js';
import { existsSync } from 'node:fs';
import { launchEnvIds, launchEnvOlderThan, removeLaunchEnv } from '../store/launch-env.js';
import { Ledger, ledgerIds } from '../store/ledger.js';
import type { TaskStore } from '../store/tasks.js';
import { isAlive } from './proc.js';

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
    if (task && (task.status === 'queued' || waitsForWorker(task))) continue;
    // Without a task file it may be a launch in progress, unless old; a finished task's goes now.
    if (!task && !existsSync(store.donePath(id)) && !launchEnvOlderThan(paths, id, STALE_ENV_MS)) continue;
    removeLaunchEnv(paths, id);
    removed++;
  }
  // The ledger of a Slurm job whose task ended (its worker was killed after recording it):
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
