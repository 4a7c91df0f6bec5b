// A task's changes as counts: parsed from `git diff --numstat` and shown in the DIFF column.
import type { DiffCount, Task } from './task.js';

/**
 * Counts of `git diff --numstat -z` output (or the plain form): one entry per file,
 * binary files (`-\t-`) count as a file without lines.
 */
export function parseNumstat(text: string): DiffCount {
  const count: DiffCount = { files: 0, insertions: 0, deletions: 0 };
  // With -z a rename is "a\tb\t\0old\0new\0": the paths follow as records of their own.
  const records = text.includes('\0') ? text.split('\0') : text.split('\n');
  for (const record of records) {
    const m = /^(\d+|-)\t(\d+|-)\t/.exec(record);
    if (!m) continue;
    count.files++;
    if (m[1] !== '-') count.insertions += Number(m[1]);
    if (m[2] !== '-') count.deletions += Number(m[2]);
  }
  return count;
}

/** `+120 -8 5f`; `-` when nothing is known (no worktree, or it has not ended). */
export function formatDiff(diff: DiffCount | null | undefined): string {
  if (!diff) return '-';
  if (diff.files === 0) return '0f';
  return `+${diff.insertions} -${diff.deletions} ${diff.files}f`;
}

/** The DIFF cell of a task: its counts once ended, `…` while its worktree task is still going. */
export function diffCell(task: Pick<Task, 'isolation' | 'diff' | 'status'>): string {
  if (task.diff) return formatDiff(task.diff);
  return task.isolation && (task.status === 'running' || task.status === 'queued') ? '…' : '-';
}

/** The branch of a task's worktree. */
export function worktreeBranch(id: string): string {
  return `dev-tools/${id}`;
}

/** A path of `copy` in the config: relative, inside the project, no `..`. */
export function copyPathProblem(path: string): string | null {
  if (path === '' || path.includes('\0')) return 'must be a non-empty path';
  if (path.startsWith('/')) return 'must be relative to the project';
  if (path.split('/').some((part) => part === '..')) return 'must stay inside the project (no "..")';
  return null;
}

export type DiffLineKind = 'added' | 'removed' | 'hunk' | 'file' | null;

/** What a line of a unified diff is, for its colour. */
export function diffLineKind(line: string): DiffLineKind {
  if (line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('diff --git ')) return 'file';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'added';
  if (line.startsWith('-')) return 'removed';
  return null;
}
