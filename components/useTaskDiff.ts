import { useEffect, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';
import type { Task } from '../src/core/task.js';
import { printable } from '../src/core/terminal-text.js';

interface DiffView {
  lines: string[];
  /** Why there is no diff to show (no worktree, git failed), or null. */
  problem: string | null;
}

const LOADING: DiffView = { lines: ['loading the diff…'], problem: null };

/**
 * The lines of a worktree task's diff while `task` is given; read again when the task
 * changes state (a running task's diff grows, a finished one's is final).
 */
export function useTaskDiff(load: ((task: Task) => Promise<string>) | undefined, task: Task | null): DiffView {
  const [view, setView] = useState<DiffView>(LOADING);
  const key = task ? `${task.id}:${task.status}:${task.worktree ? 'wt' : ''}` : null;
  useEffect(() => {
    if (!task) return undefined;
    let live = true;
    setView(LOADING);
    if (!task.worktree || !load) {
      setView({ lines: [], problem: `${task.id} has no worktree: its diff is that of a worktree task` });
      return undefined;
    }
    load(task).then(
      (text) => {
        // What a command wrote into files: printed, so cleaned of escape sequences.
        const lines =
          text === '' ? [`no changes against ${task.worktree!.base.slice(0, 12)}`] : text.replace(/\n$/, '').split('\n').map(printable);
        if (live) setView({ lines, problem: null });
      },
      (err: unknown) => live && setView({ lines: [], problem: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
    // Keyed on what changes the diff, not on every re-read of the task file.
  }, [key, load]);
  return task ? view : LOADING;
}
