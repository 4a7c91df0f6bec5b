// The orders the dashboard's sort key cycles through, and the jump to a failed task.
import { elapsedSeconds } from './task-view.js';
import { compareTasks, isBroken, needsInput, type Task, type TaskEntry, type TaskStatus } from './task.js';

export const SORT_ORDERS = ['created', 'newest', 'status', 'project', 'progress', 'duration'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** What needs a look first: failures, then what runs, waits, and what ended well. */
const STATUS_RANK: Record<TaskStatus, number> = {
  waiting: 0,
  failed: 1,
  interrupted: 2,
  running: 3,
  queued: 4,
  cancelled: 5,
  completed: 6,
};

export function nextSortOrder(order: SortOrder): SortOrder {
  return SORT_ORDERS[(SORT_ORDERS.indexOf(order) + 1) % SORT_ORDERS.length]!;
}

/** `created` is the order of `status` (oldest first); the others say what comes first. */
export function describeSortOrder(order: SortOrder): string {
  switch (order) {
    case 'created':
      return 'oldest first (waiting first)';
    case 'newest':
      return 'newest first';
    case 'status':
      return 'by status (failed and waiting for input first)';
    case 'project':
      return 'by project';
    case 'progress':
      return 'by progress (furthest first)';
    case 'duration':
      return 'by duration (longest first)';
  }
}

/**
 * The entries in this order; ties keep creation order, broken rows go last. The default
 * order (`created`) puts the tasks waiting for a person first: they wait on whoever looks.
 */
export function sortTasks(entries: readonly TaskEntry[], order: SortOrder, now: number): TaskEntry[] {
  if (order === 'created') {
    const waits = (e: TaskEntry) => !isBroken(e) && e.status === 'waiting';
    return [...entries.filter(waits), ...entries.filter((e) => !waits(e))];
  }
  const key = (e: TaskEntry): number | string => {
    if (isBroken(e)) return 0;
    switch (order) {
      case 'newest':
        return -Date.parse(e.createdAt) || 0;
      case 'status':
        // A task waiting for its user's answer needs a look as a failure does.
        return needsInput(e) ? STATUS_RANK.failed : STATUS_RANK[e.status];
      case 'project':
        return e.project.toLowerCase();
      case 'progress':
        return -(e.progress?.percent ?? -1);
      case 'duration':
        return -(elapsedSeconds(e, now) ?? -1);
    }
  };
  const keyed = entries.map((e) => ({ e, k: key(e) }));
  keyed.sort((a, b) => {
    const ba = isBroken(a.e);
    const bb = isBroken(b.e);
    if (ba || bb) return ba === bb ? 0 : ba ? 1 : -1;
    if (a.k !== b.k) return a.k < b.k ? -1 : 1;
    return compareTasks(a.e as Task, b.e as Task);
  });
  return keyed.map((x) => x.e);
}

/** The index of the next (or previous) failed or interrupted task after `from`, wrapping; -1 when none. */
export function nextFailed(entries: readonly TaskEntry[], from: number, direction: 1 | -1 = 1): number {
  const n = entries.length;
  for (let step = 1; step <= n; step++) {
    const i = (((from + direction * step) % n) + n) % n;
    const e = entries[i]!;
    if (!isBroken(e) && (e.status === 'failed' || e.status === 'interrupted')) return i;
  }
  return -1;
}
