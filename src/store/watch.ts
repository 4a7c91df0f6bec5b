// Watching the state directory, for the dashboard: one fs.watch per folder (tasks/,
// tasks/done/, logs/, the state dir for config.json), never one per file, so it costs
// the same with ten tasks or ten thousand; and it learns here which file means which
// task, log or config.
import { statSync, watch as watchFolder, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import type { StatePaths } from './paths.js';
import { idFromFileName, idsIn } from './task-file.js';
import type { TaskStore } from './tasks.js';

interface TaskEvents {
  /** A file of tasks/ was added, changed or removed (or may have been). */
  active(id: string): void;
  /** A file of tasks/done/ was added, changed or removed. */
  archived(id: string): void;
  /** The watch on tasks/ is in place: what changed between the first listing and now is not reported. */
  ready(): void;
  problem(message: string): void;
}

/** How often tasks/ is looked at when it cannot be watched. */
const POLL_MS = 1000;

function watchProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EMFILE'
    ? 'cannot watch the state directory (inotify limits: raise fs.inotify.max_user_instances with sysctl); looking every second instead'
    : `watching tasks/ failed (${code ?? String(err)}); looking every second instead`;
}

/**
 * Watches the task files; returns the function that stops watching. An event names
 * a file to re-read, never a count (an atomic write is a rename into place; a task
 * that finishes is a rename out, to done/). Where tasks/ cannot be watched, it is
 * looked at every second instead (what changed: a file's inode, size or mtime).
 */
export function watchTasks(store: TaskStore, on: TaskEvents): () => void {
  const { tasks, done } = store.paths;
  let poll: NodeJS.Timeout | null = null;
  let closed = false;
  const startPolling = (err: unknown) => {
    if (poll || closed) return;
    on.problem(watchProblem(err));
    let seen = fileStates(tasks);
    poll = setInterval(() => {
      const now = fileStates(tasks);
      for (const [id, state] of now) if (seen.get(id) !== state) on.active(id);
      for (const id of seen.keys()) if (!now.has(id)) on.active(id);
      seen = now;
    }, POLL_MS);
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watchFolder(tasks, (_event, file) => {
      if (file === null) {
        // No name (some platforms, an overflowed queue): every task may have changed.
        for (const id of idsIn(tasks)) on.active(id);
        return;
      }
      const id = idFromFileName(String(file));
      if (id) on.active(id);
    });
    watcher.on('error', (err) => {
      watcher?.close();
      startPolling(err);
    });
  } catch (err) {
    startPolling(err);
  }
  // A plain watch is in place once made: the caller checks what changed before it now.
  const ready = setImmediate(() => on.ready());
  // done/ holds finished tasks: a file there that changed or went (clean) is all that matters.
  let doneWatcher: FSWatcher | null = null;
  try {
    doneWatcher = watchFolder(done, (_event, file) => {
      const id = idFromFileName(String(file ?? ''));
      if (id) on.archived(id);
    });
    doneWatcher.on('error', () => undefined);
  } catch {
    // Without it, removed finished tasks leave with the next refresh of done/.
  }
  return () => {
    closed = true;
    clearImmediate(ready);
    if (poll) clearInterval(poll);
    doneWatcher?.close();
    watcher?.close();
  };
}

/** Each task file of a folder and what identifies its current content (a write renames a new inode into place). */
function fileStates(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of idsIn(dir)) {
    try {
      const st = statSync(join(dir, `${id}.json`));
      out.set(id, `${st.ino}:${st.size}:${st.mtimeMs}`);
    } catch {
      // gone meanwhile: the next look says so
    }
  }
  return out;
}

/** Calls `changed` when a task's log may have grown; polls when the folder cannot be watched. */
export function watchLog(store: TaskStore, id: string, changed: () => void, pollMs = 500): () => void {
  const name = basename(store.logPath(id));
  let watcher: FSWatcher | null = null;
  let poll: NodeJS.Timeout | null = null;
  try {
    // One watch on the logs folder: it works before the log file exists.
    watcher = watchFolder(store.paths.logs, (_event, file) => {
      if (file === name) changed();
    });
    watcher.on('error', () => {
      poll ??= setInterval(changed, pollMs);
    });
  } catch {
    poll = setInterval(changed, pollMs);
  }
  return () => {
    if (poll) clearInterval(poll);
    watcher?.close();
  };
}

/**
 * Calls `changed` when config.json may have changed: the state folder is watched (an
 * editor or an atomic write replaces the file, so the file itself cannot be). Without a
 * watch (inotify limits) nothing is reported.
 */
export function watchConfig(paths: StatePaths, changed: () => void): () => void {
  const name = basename(paths.config);
  let watcher: FSWatcher | null = null;
  try {
    watcher = watchFolder(paths.home, (_event, file) => {
      if (file === name) changed();
    });
    watcher.on('error', () => undefined);
  } catch {
    // the config stays as it was at start
  }
  return () => watcher?.close();
}
