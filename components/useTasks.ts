import { useEffect, useRef, useState } from 'react';
import { isBroken, type TaskEntry } from '../src/core/task.js';
import { sortEntries } from '../src/store/task-file.js';
import type { TaskStore } from '../src/store/tasks.js';
import { watchTasks } from '../src/store/watch.js';

interface UseTasksOptions {
  store: TaskStore;
  /** Also show finished tasks from tasks/done (loaded once, refreshed now and then). */
  showAll: boolean;
  /** Events within this window become one state update. */
  coalesceMs?: number;
  doneRefreshMs?: number;
}

interface TasksView {
  entries: TaskEntry[];
  /** A watcher problem worth telling the user. */
  problem: string | null;
}

// chokidar drops a second "change" of a path within 50 ms: re-read once more after that window.
const TRAILING_MS = 70;

function same(a: TaskEntry | undefined, b: TaskEntry | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/**
 * The tasks to show, live: the task files are watched and each event re-reads only
 * that task (from done/ if it was archived). Tasks that finish while the dashboard
 * is open stay in view so their end is visible.
 */
export function useTasks({ store, showAll, coalesceMs = 16, doneRefreshMs = 10_000 }: UseTasksOptions): TasksView {
  const active = useRef<Map<string, TaskEntry> | null>(null);
  const finished = useRef(new Map<string, TaskEntry>());
  const done = useRef(new Map<string, TaskEntry>());
  const showAllRef = useRef(showAll);
  showAllRef.current = showAll;

  const loadedAt = useRef(0);
  if (active.current === null) {
    loadedAt.current = Date.now();
    active.current = new Map(store.listActive().map((e) => [e.id, e]));
  }

  const compute = (): TaskEntry[] => {
    const merged = new Map<string, TaskEntry>();
    if (showAllRef.current) for (const [id, e] of done.current) merged.set(id, e);
    for (const [id, e] of finished.current) merged.set(id, e);
    for (const [id, e] of active.current!) merged.set(id, e);
    return sortEntries([...merged.values()]);
  };

  const [entries, setEntries] = useState<TaskEntry[]>(compute);
  const [problem, setProblem] = useState<string | null>(null);
  const publish = () => setEntries(compute());

  // Watch the task files and re-read the changed ones.
  useEffect(() => {
    const dirty = new Set<string>();
    const trailing = new Set<string>();
    const doneDirty = new Set<string>();
    let flushTimer: NodeJS.Timeout | null = null;
    let trailingTimer: NodeJS.Timeout | null = null;
    let closed = false;

    // A finished task, or none (removed by clean): in every view that shows finished ones.
    const setArchived = (id: string, archived: TaskEntry | null): boolean => {
      let changed = false;
      if (!archived) {
        if (finished.current.delete(id)) changed = true;
        if (done.current.delete(id)) changed = true;
        return changed;
      }
      if (!same(finished.current.get(id), archived)) changed = true;
      finished.current.set(id, archived);
      if (showAllRef.current) done.current.set(id, archived);
      return changed;
    };

    const reread = (ids: Iterable<string>): boolean => {
      let changed = false;
      for (const id of ids) {
        const found = store.locate(id);
        if (found && !found.archived) {
          if (!same(active.current!.get(id), found.entry)) {
            active.current!.set(id, found.entry);
            changed = true;
          }
          continue;
        }
        if (active.current!.delete(id)) changed = true;
        if (setArchived(id, found?.entry ?? null)) changed = true;
      }
      return changed;
    };

    // done/ holds finished tasks: only a file that went (clean) or changed matters there.
    const rereadDone = (ids: Iterable<string>): boolean => {
      let changed = false;
      for (const id of ids) {
        if (active.current!.has(id)) continue;
        const archived = store.readArchived(id);
        if (!archived) {
          if (setArchived(id, null)) changed = true;
          continue;
        }
        if (finished.current.has(id) && !same(finished.current.get(id), archived)) {
          finished.current.set(id, archived);
          changed = true;
        }
        if (showAllRef.current && !same(done.current.get(id), archived)) {
          done.current.set(id, archived);
          changed = true;
        }
      }
      return changed;
    };

    const drain = (ids: Set<string>) => {
      if (closed) return;
      const batch = [...ids];
      ids.clear();
      const doneBatch = [...doneDirty];
      doneDirty.clear();
      // Active files first: a task archived in this window is then known as finished.
      const changed = reread(batch);
      if (rereadDone(doneBatch) || changed) publish();
    };
    const flush = () => {
      flushTimer = null;
      drain(dirty);
    };
    const flushTrailing = () => {
      trailingTimer = null;
      drain(trailing);
    };

    const stop = watchTasks(store, {
      active(id) {
        dirty.add(id);
        trailing.add(id);
        flushTimer ??= setTimeout(flush, coalesceMs);
        if (trailingTimer) clearTimeout(trailingTimer);
        trailingTimer = setTimeout(flushTrailing, TRAILING_MS);
      },
      archived(id) {
        doneDirty.add(id);
        flushTimer ??= setTimeout(flush, coalesceMs);
      },
      ready() {
        // Files that appeared, went or changed between the first listing and the watch being
        // in place: a stat each, not a second read of every file (5,000 tasks start faster).
        if (closed) return;
        const listed = new Set(store.activeIds());
        const ids = [...active.current!.keys()].filter((id) => !listed.has(id));
        for (const id of listed) {
          if (!active.current!.has(id) || store.modifiedSince(id, loadedAt.current - 1000)) ids.push(id);
        }
        if (reread(ids)) publish();
      },
      problem: setProblem,
    });
    return () => {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      if (trailingTimer) clearTimeout(trailingTimer);
      stop();
    };
    // The store is fixed for the dashboard's life.
  }, [store]);

  // Finished tasks from done/, only while "all" is shown.
  useEffect(() => {
    if (!showAll) {
      done.current.clear();
      publish();
      return undefined;
    }
    const load = () => {
      const next = new Map<string, TaskEntry>();
      for (const e of store.listDone()) next.set(e.id, e);
      done.current = next;
      publish();
    };
    load();
    const timer = setInterval(load, doneRefreshMs);
    return () => clearInterval(timer);
  }, [showAll, store, doneRefreshMs]);

  return { entries, problem };
}

/** Whether any shown task is running (elapsed and ETA then need a clock tick). */
export function anyRunning(entries: TaskEntry[]): boolean {
  return entries.some((e) => !isBroken(e) && e.status === 'running');
}
