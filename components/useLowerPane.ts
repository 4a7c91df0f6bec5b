import { useState } from 'react';
import { diffLineKind } from '../src/core/diff.js';
import { isBroken, type TaskEntry } from '../src/core/task.js';
import type { TaskStore } from '../src/store/tasks.js';
import type { DashboardActions } from './actions.js';
import { Action, keysFor } from './keymap.js';
import { useLogTail } from './useLogTail.js';
import { useTaskDiff } from './useTaskDiff.js';

const DIFF_COLORS: Record<string, string | undefined> = { added: 'green', removed: 'red', hunk: 'cyan', file: 'yellow' };

/**
 * What the lower pane shows of the selected task: its log, or its diff (a worktree
 * task's, read through git), with the props for the LogPane that shows either.
 */
export function useLowerPane(store: TaskStore, actions: DashboardActions, selected: TaskEntry | null) {
  const [view, setView] = useState<'log' | 'diff'>('log');
  const task = selected && !isBroken(selected) ? selected : null;
  const log = useLogTail(store, selected?.id ?? null, undefined, undefined, Boolean(task?.tty));
  const diffTask = view === 'diff' && task?.isolation ? task : null;
  const diff = useTaskDiff(actions.diff, diffTask);
  const pane = diffTask
    ? {
        title: 'diff',
        lines: diff.problem ? [diff.problem] : diff.lines,
        earlier: null,
        lineColor: (line: string) => DIFF_COLORS[diffLineKind(line) ?? ''],
      }
    : {
        title: task?.isolation
          ? `log (${keysFor('table', Action.ShowDiff)} diff)`
          : task?.tty
            ? `terminal (${keysFor('table', Action.Attach)} attach)`
            : 'log',
        lines: log.lines,
        earlier: log.earlier,
        lineColor: undefined,
      };
  return {
    pane,
    /** A new pane (scrolled to the end) for each task and view. */
    paneKey: `${diffTask ? 'diff:' : ''}${selected?.id ?? ''}`,
    /** Shows the diff; false when the selected task has none to show (no worktree). */
    showDiff: (): boolean => {
      if (!task?.isolation) return false;
      setView('diff');
      return true;
    },
    toggle: () => setView((v) => (v === 'log' && task?.isolation ? 'diff' : 'log')),
    showLog: () => setView('log'),
  };
}
