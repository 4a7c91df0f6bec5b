// The dashboard's tasks, live. Over 250 lines: the active, finished-while-open and done/ maps
// are kept in step by one watcher's events, and merged for a render in one place.
import { useEffect, useRef, useState } from 'react';
import { isBroken, isFinal, type TaskEntry } from '../src/core/task.js';
import { sortEntries } from '../src/store/task-file.js';
import type { TaskStore } from '../src/store/tasks.js';
import { useStateWatch, useWatchProblem } from './useStateWatch.js';

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
  /** A watcher problem worth telling the user (of the task files, config.json or the log: one watcher). */
  problem: string | null;
}

/**
 * A task file is written whole (an atomic rename), so one that does not parse just after
 * a change was most likely read through a stale cache (a network or FUSE filesystem
 * keeps a file's old size for a moment): it is read again this long after, twice,
 * before it is shown as broken.
 */
const BROKEN_RETRY_MS = 1200;

/** Two JSON values, compared without making strings (this runs for every task-file event). */
function jsonEqual(a: unknown, b: unknown, skip?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (skip?.has(k)) continue;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function same(a: TaskEntry | undefined, b: TaskEntry | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && jsonEqual(a, b));
}

/** What a running task's worker rewrites about once a second: shown by the next tick, not at once. */
const PROGRESS_FIELDS: ReadonlySet<string> = new Set(['progress', 'resources']);

/** Whether two versions of a task differ in their progress only (percent, message, ETA; what it uses). */
function progressOnly(a: TaskEntry | undefined, b: TaskEntry): boolean {
  if (!a || isBroken(a) || isBroken(b)) return false;
  return jsonEqual(a, b, PROGRESS_FIELDS);
}

/**
 * The tasks to show, live: the task files are watched and each event re-reads only
 * that task (from done/ if it was archived). Tasks that finish while the dashboard
 * is open stay in view so their end is visible.
 *
 * A change of state (a task started, finished, moved to another stage, appeared or
 * went) renders at once. A change of progress only (a worker writes it up to four
 * times a second) does not: it is shown by the next render, which the running
 * tasks' clock makes every second (useNow), so ten busy tasks cost a frame a second,
 * not forty. The entries are kept in refs and sorted again only when they changed.
 */
export function useTasks({ store, showAll, coalesceMs = 16, doneRefreshMs = 10_000 }: UseTasksOptions): TasksView {
  const active = useRef<Map<string, TaskEntry> | null>(null);
  const finished = useRef(new Map<string, TaskEntry>());
  const done = useRef(new Map<string, TaskEntry>());
  const showAllRef = useRef(showAll);
  showAllRef.current = showAll;
  /** The maps changed since `sorted` was made. */
  const changed = useRef(true);
  const sorted = useRef<{ entries: TaskEntry[]; showAll: boolean }>({ entries: [], showAll });

  const loadedAt = useRef(0);
  /** Looks at done/ again now (while "all" is shown): polling saw it change. */
  const refreshDone = useRef<(() => void) | null>(null);
  if (active.current === null) {
    loadedAt.current = Date.now();
    active.current = new Map(store.listActive().map((e) => [e.id, e]));
  }

  const [, setVersion] = useState(0);
  const watch = useStateWatch(store.paths);
  const problem = useWatchProblem(watch);
  /** Shows the maps as they are now: a render, at once. */
  const publish = () => {
    changed.current = true;
    setVersion((v) => v + 1);
  };

  // Watch the task files and re-read the changed ones.
  useEffect(() => {
    const dirty = new Set<string>();
    const doneDirty = new Set<string>();
    let flushTimer: NodeJS.Timeout | null = null;
    let closed = false;
    /** Tasks whose file did not parse just after a change: how many times each was read again. */
    const retries = new Map<string, number>();
    const retryTimers = new Set<NodeJS.Timeout>();

    // A finished task, or none (removed by clean): in every view that shows finished ones.
    const setArchived = (id: string, archived: TaskEntry | null): boolean => {
      let moved = false;
      if (!archived) {
        if (finished.current.delete(id)) moved = true;
        if (done.current.delete(id)) moved = true;
        return moved;
      }
      if (!same(finished.current.get(id), archived)) moved = true;
      finished.current.set(id, archived);
      if (showAllRef.current) done.current.set(id, archived);
      return moved;
    };

    /** Re-reads tasks; 'state' when one changed more than its progress, 'progress' when only that. */
    const reread = (ids: Iterable<string>): 'state' | 'progress' | null => {
      let result: 'state' | 'progress' | null = null;
      for (const id of ids) {
        const found = store.locate(id);
        if (found && !found.archived) {
          const before = active.current!.get(id);
          if (isBroken(found.entry) && before && !isBroken(before) && (retries.get(id) ?? 0) < 2) {
            retries.set(id, (retries.get(id) ?? 0) + 1);
            const t = setTimeout(() => {
              retryTimers.delete(t);
              dirty.add(id);
              flushTimer ??= setTimeout(flush, coalesceMs);
            }, BROKEN_RETRY_MS);
            retryTimers.add(t);
            continue;
          }
          if (!isBroken(found.entry)) retries.delete(id);
          if (!same(before, found.entry)) {
            active.current!.set(id, found.entry);
            changed.current = true;
            if (!progressOnly(before, found.entry)) result = 'state';
            else result ??= 'progress';
          }
          continue;
        }
        if (active.current!.delete(id)) result = 'state';
        if (setArchived(id, found?.entry ?? null)) result = 'state';
      }
      return result;
    };

    // done/ holds finished tasks: only a file that went (clean) or changed matters there.
    const rereadDone = (ids: Iterable<string>): boolean => {
      let moved = false;
      for (const id of ids) {
        if (active.current!.has(id)) continue;
        const archived = store.readArchived(id);
        if (!archived) {
          if (setArchived(id, null)) moved = true;
          continue;
        }
        if (finished.current.has(id) && !same(finished.current.get(id), archived)) {
          finished.current.set(id, archived);
          moved = true;
        }
        if (showAllRef.current && !same(done.current.get(id), archived)) {
          done.current.set(id, archived);
          moved = true;
        }
      }
      return moved;
    };

    const flush = () => {
      flushTimer = null;
      if (closed) return;
      const batch = [...dirty];
      dirty.clear();
      const doneBatch = [...doneDirty];
      doneDirty.clear();
      // Active files first: a task archived in this window is then known as finished.
      const result = reread(batch);
      if (rereadDone(doneBatch) || result === 'state') publish();
    };

    const stop = watch.tasks({
      active(id) {
        dirty.add(id);
        flushTimer ??= setTimeout(flush, coalesceMs);
      },
      archived(id) {
        doneDirty.add(id);
        flushTimer ??= setTimeout(flush, coalesceMs);
      },
      doneChanged() {
        // Which files changed is not known (polling): those shown as finished are looked at again.
        for (const id of finished.current.keys()) doneDirty.add(id);
        flushTimer ??= setTimeout(flush, coalesceMs);
        refreshDone.current?.();
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
        if (reread(ids) !== null) publish();
      },
    });
    return () => {
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      for (const t of retryTimers) clearTimeout(t);
      stop();
    };
    // The store is fixed for the dashboard's life.
  }, [store, watch]);

  // Finished tasks from done/, only while "all" is shown; refreshed now and then in case
  // the watch on done/ missed something, and shown again only when that changed anything.
  useEffect(() => {
    if (!showAll) {
      if (done.current.size) {
        done.current.clear();
        publish();
      }
      return undefined;
    }
    let stamp: string | null = null;
    const load = () => {
      // Nothing moved in or out of done/ since the last look: nothing to read (an idle dashboard does no work).
      const now = store.doneStamp();
      if (now === stamp) return;
      stamp = now;
      const next = new Map<string, TaskEntry>();
      for (const e of store.listDone()) next.set(e.id, e);
      const before = done.current;
      done.current = next;
      if (next.size !== before.size || [...next].some(([id, e]) => !same(before.get(id), e))) publish();
    };
    load();
    refreshDone.current = load;
    const timer = setInterval(load, doneRefreshMs);
    return () => {
      refreshDone.current = null;
      clearInterval(timer);
    };
  }, [showAll, store, doneRefreshMs]);

  // The maps as one sorted list, made again only when they changed (read while rendering:
  // Ink renders synchronously, so there is no torn read between two renders).
  if (changed.current || sorted.current.showAll !== showAll) {
    changed.current = false;
    const merged = new Map<string, TaskEntry>();
    if (showAll) for (const [id, e] of done.current) merged.set(id, e);
    for (const [id, e] of finished.current) merged.set(id, e);
    // A final state never changes: an active row not seen to leave (a missed event) does not hide the end.
    for (const [id, e] of active.current) {
      const end = merged.get(id);
      if (end && !isBroken(end) && isFinal(end.status) && (isBroken(e) || !isFinal(e.status))) continue;
      merged.set(id, e);
    }
    sorted.current = { entries: sortEntries([...merged.values()]), showAll };
  }
  return { entries: sorted.current.entries, problem };
}

/** Whether any shown task is running (elapsed and ETA then need a clock tick). */
export function anyRunning(entries: TaskEntry[]): boolean {
  return entries.some((e) => !isBroken(e) && e.status === 'running');
}
