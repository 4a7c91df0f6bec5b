// Watching the state directory, for the dashboard: it alone loads chokidar, and it
// learns here which file means which task, log or config.
import { watch as watchTree, type FSWatcher as TreeWatcher } from 'chokidar';
import { watch as watchFolder, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import { TEMP_SUFFIX } from './atomic.js';
import type { StatePaths } from './paths.js';
import { idFromFileName } from './task-file.js';
import type { TaskStore } from './tasks.js';

interface TaskEvents {
  /** A file of tasks/ was added, changed or removed. */
  active(id: string): void;
  /** A file of tasks/done/ was added, changed or removed. */
  archived(id: string): void;
  /** The watch on tasks/ is in place: what changed between the first listing and now is not reported. */
  ready(): void;
  problem(message: string): void;
}

/** Watches the task files; returns the function that stops watching. */
export function watchTasks(store: TaskStore, on: TaskEvents): () => void {
  const { tasks, done } = store.paths;
  const watcher: TreeWatcher = watchTree(tasks, {
    depth: 0,
    ignoreInitial: true,
    atomic: true,
    ignored: (path: string) => path.endsWith(TEMP_SUFFIX) || path === done,
  });
  const onEvent = (path: string) => {
    const id = idFromFileName(basename(path));
    if (id) on.active(id);
  };
  watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
  watcher.on('ready', () => on.ready());
  // One plain watch on done/ (not chokidar's watch per file: done/ grows with history).
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
  watcher.on('error', (err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    on.problem(
      code === 'ENOSPC'
        ? 'cannot watch more files: raise fs.inotify.max_user_watches (sysctl) — the table may lag'
        : `watching tasks/ failed: ${code ?? String(err)}`,
    );
  });
  return () => {
    doneWatcher?.close();
    void watcher.close();
  };
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
