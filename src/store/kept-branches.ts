// branches/<id>.json: the branch of a worktree task that `clean` removed while its branch
// held work not merged into its base. The task is gone; this is how `dev-tools diff <id>`
// still shows that work and `clean --branches` still finds the branch to delete.
import { join } from 'node:path';
import { isIdPrefix } from '../core/ids.js';
import type { Isolation, Task } from '../core/task.js';
import { safeUnlink, writeFileAtomic } from './atomic.js';
import type { StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';
import { idsIn } from './task-file.js';

export interface KeptBranch {
  id: string;
  project: string;
  description: string;
  repo: string;
  branch: string;
  base: string;
  baseBranch: string | null;
  /** When its task ended (what `clean --older-than` goes by). */
  completedAt: string | null;
  keptAt: string;
}

function keptPath(paths: StatePaths, id: string): string {
  return join(paths.branches, `${id}.json`);
}

export function keepBranch(paths: StatePaths, task: Task, iso: Isolation, branch: string): KeptBranch {
  const kept: KeptBranch = {
    id: task.id,
    project: task.project,
    description: task.description,
    repo: iso.repo,
    branch,
    base: iso.base,
    baseBranch: iso.baseBranch,
    completedAt: task.completedAt ?? null,
    keptAt: new Date().toISOString(),
  };
  writeFileAtomic(keptPath(paths, task.id), `${JSON.stringify(kept)}\n`);
  return kept;
}

export function readKeptBranch(paths: StatePaths, id: string): KeptBranch | null {
  if (!isIdPrefix(id)) return null;
  const file = readOwnFile(keptPath(paths, id), 64 * 1024);
  if (!file.ok) return null;
  try {
    const v = JSON.parse(file.text) as Partial<KeptBranch>;
    const strings = [v.id, v.repo, v.branch, v.base].every((s) => typeof s === 'string' && s !== '');
    return strings && v.id === id
      ? ({ project: '', description: '', baseBranch: null, completedAt: null, keptAt: '', ...v } as KeptBranch)
      : null;
  } catch {
    return null;
  }
}

export function keptBranchIds(paths: StatePaths): string[] {
  return idsIn(paths.branches);
}

export function forgetKeptBranch(paths: StatePaths, id: string): void {
  safeUnlink(keptPath(paths, id));
}
