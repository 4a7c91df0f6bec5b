import { useMemo } from 'react';
import { historyKey, isBroken, type Task } from '../src/core/task.js';
import { recentCosts, recentDurations } from '../src/store/history.js';
import type { TaskStore } from '../src/store/tasks.js';

/** A restart of a restart of ...: followed this far, no further (and never round a loop). */
const MAX_CHAIN = 20;

/** What the detail view needs beyond the task itself: the tasks it restarts and the durations a history ETA uses. */
export function useTaskDetail(store: TaskStore, task: Task | null): { restartChain: string[]; history: number[]; costs: number[] } {
  return useMemo(() => {
    if (!task) return { restartChain: [], history: [], costs: [] };
    const restartChain: string[] = [];
    let next = task.restartOf ?? null;
    while (next && restartChain.length < MAX_CHAIN && !restartChain.includes(next)) {
      restartChain.push(next);
      const found = store.read(next);
      next = found && !isBroken(found) ? (found.restartOf ?? null) : null;
    }
    let history: number[] = [];
    let costs: number[] = [];
    try {
      history = recentDurations(store.paths, historyKey(task));
      costs = recentCosts(store.paths, historyKey(task));
    } catch {
      // no history is no ETA source, not an error
    }
    return { restartChain, history, costs };
  }, [store, task]);
}
