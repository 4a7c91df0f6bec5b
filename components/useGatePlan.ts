import { useMemo } from 'react';
import type { Task } from '../src/core/task.js';
import { formatBytes } from '../src/core/units.js';
import { readLogRange } from '../src/store/logs.js';
import type { TaskStore } from '../src/store/tasks.js';
import { LogLines } from './log-text.js';

/**
 * What the stage before a task's gate wrote (the plan to approve), as clean lines, markers
 * hidden, as the log pane shows them: read once per gate, the last 256 KiB at most.
 */
export function useGatePlan(store: TaskStore, task: Task | null): { lines: string[]; earlier: string | null } | null {
  const id = task?.id ?? null;
  const plan = task?.status === 'waiting' ? task.gate?.plan : null;
  const from = plan?.from ?? null;
  const to = plan?.to ?? null;
  return useMemo(() => {
    if (!id || from === null || to === null) return null;
    try {
      const { data, skipped } = readLogRange(store.logPath(id), from, to);
      const lines = new LogLines();
      lines.push(data);
      return { lines: lines.snapshot(), earlier: skipped ? `… ${formatBytes(skipped)} of the plan's start not loaded` : null };
    } catch (err) {
      return { lines: [`cannot read the plan: ${(err as Error).message}`], earlier: null };
    }
  }, [store, id, from, to]);
}
