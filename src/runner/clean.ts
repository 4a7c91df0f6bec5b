// Cleaning finished tasks: their files and logs go, and a worktree task's worktree once
// what it left uncommitted is committed onto its branch; a branch with work not merged
// into its base is kept (and noted in branches/) unless branches are asked for. One
// implementation for `dev-tools clean` and the dashboard's key.
import { isBroken, type Task, type TaskEntry, type TaskStatus } from '../core/task.js';
import { printable } from '../core/terminal-text.js';
import { formatBytes } from '../core/units.js';
import * as kept from '../store/kept-branches.js';
import { fileSize } from '../store/logs.js';
import type { StatePaths } from '../store/paths.js';
import type { TaskStore } from '../store/tasks.js';
import { sweepStaleFiles } from './maintenance.js';

/** Which finished tasks go; broken task files never do. */
export interface CleanChoice {
  statuses: readonly TaskStatus[];
  /** Only what ended before this (ms since the epoch): tasks, and with `branches` the branches earlier cleans kept. */
  endedBefore?: number;
  /** Only these tasks (the dashboard's marked rows). */
  ids?: ReadonlySet<string>;
  /** Also delete branches holding work not merged into their base, those kept by earlier cleans too. */
  branches?: boolean;
  /** Also remove what crashed processes left (temp files that never got their rename, stale launch environments). */
  sweep?: boolean;
}

/** A branch this clean kept, and how to get at it. */
export interface KeptLine {
  id: string;
  branch: string;
  repo: string;
  /** How many files the task left uncommitted, now committed onto the branch. */
  committed: number;
}

export interface CleanReport {
  /** The tasks removed, with their logs. */
  removed: string[];
  bytes: number;
  worktrees: number;
  keptBranches: KeptLine[];
  /** Tasks left with their worktree (their work could not be saved onto a branch), each with why. */
  keptTasks: string[];
  /** Branches kept by earlier cleans that this one deleted (`branches`). */
  deletedEarlier: number;
  /** Files crashed processes left, removed (`sweep`). */
  leftovers: number;
  /** What went wrong on the way without stopping it (a branch that could not be noted or deleted). */
  warnings: string[];
}

/**
 * Removes the finished tasks chosen. Only done/ is touched: a task there is final, so
 * running, queued and waiting tasks are safe whatever is asked.
 */
export async function cleanTasks(store: TaskStore, choice: CleanChoice): Promise<CleanReport> {
  const cutoff = choice.endedBefore ?? Infinity;
  const report: CleanReport = {
    removed: [],
    bytes: 0,
    worktrees: 0,
    keptBranches: [],
    keptTasks: [],
    deletedEarlier: 0,
    leftovers: 0,
    warnings: [],
  };
  if (choice.sweep) {
    const active = new Map(store.listActive().flatMap((e) => (isBroken(e) ? [] : [[e.id, e] as const])));
    report.leftovers = sweepStaleFiles(store, active);
  }
  const left: TaskEntry[] = [];
  for (const entry of store.listDone()) {
    const finished = isBroken(entry) ? NaN : Date.parse(entry.completedAt ?? entry.createdAt);
    if (isBroken(entry) || !choice.statuses.includes(entry.status) || !(finished < cutoff) || (choice.ids && !choice.ids.has(entry.id))) {
      left.push(entry);
      continue;
    }
    const size = fileSize(store.donePath(entry.id)) + fileSize(store.logPath(entry.id));
    if (entry.isolation && !(await removeItsWorktree(store.paths, entry, choice, report))) {
      left.push(entry);
      continue;
    }
    report.bytes += size;
    store.remove(entry.id);
    report.removed.push(entry.id);
  }
  // The index of done/ lists what is left, no more.
  if (report.removed.length) store.rewriteDoneIndex(left);
  if (choice.branches) report.deletedEarlier = await deleteKeptEarlier(store.paths, cutoff, report.warnings);
  return report;
}

/** A worktree task's worktree (and branch, unless it holds work); false when the task must stay. */
async function removeItsWorktree(paths: StatePaths, entry: Task, choice: CleanChoice, report: CleanReport): Promise<boolean> {
  const iso = entry.isolation!;
  // Git only when a worktree task is cleaned.
  const { removeWorktree } = await import('./worktree.js');
  const removed = await removeWorktree(paths, entry, { branches: choice.branches });
  if (removed.worktreeKept) {
    // Its work could not be saved onto its branch: the task and its worktree stay as they are.
    const path = entry.worktree?.path ?? `${paths.worktrees}/${entry.id}`;
    report.keptTasks.push(`kept task ${entry.id} and its worktree ${path}: ${removed.worktreeKept}`);
    return false;
  }
  if (removed.removed) report.worktrees++;
  if (removed.branchKept) {
    const branch = entry.worktree?.branch ?? `dev-tools/${entry.id}`;
    try {
      kept.keepBranch(paths, entry, iso, branch);
    } catch (err) {
      report.warnings.push(`cannot note that branch ${branch} was kept (${(err as Error).message}): delete it by hand once done with it`);
    }
    report.keptBranches.push({ id: entry.id, branch, repo: iso.repo, committed: removed.committed });
  }
  return true;
}

/** `--branches`: the branches earlier cleans kept (their tasks are gone); returns how many were deleted. */
async function deleteKeptEarlier(paths: StatePaths, cutoff: number, warnings: string[]): Promise<number> {
  const ids = kept.keptBranchIds(paths);
  if (ids.length === 0) return 0;
  const { deleteKeptBranch } = await import('./worktree.js');
  let deleted = 0;
  for (const id of ids) {
    const rec = kept.readKeptBranch(paths, id);
    if (!rec) continue;
    const ended = Date.parse(rec.completedAt ?? rec.keptAt);
    if (cutoff !== Infinity && !(ended < cutoff)) continue;
    const outcome = await deleteKeptBranch(paths, rec.repo, rec.branch);
    if (outcome === 'failed') {
      warnings.push(`cannot delete branch ${rec.branch} in ${rec.repo}; it stays`);
      continue;
    }
    kept.forgetKeptBranch(paths, id);
    if (outcome === 'deleted') deleted++;
  }
  return deleted;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** `removed 2 tasks (1.2 KiB freed); removed 1 worktree`, or `nothing to clean`. */
export function cleanSummary(r: CleanReport): string {
  const n = r.removed.length;
  const tasks = n ? `removed ${plural(n, 'task', 'tasks')} (${formatBytes(r.bytes)} freed)` : '';
  const files = r.leftovers ? `removed ${plural(r.leftovers, 'file', 'files')} left by crashed processes` : '';
  const trees = r.worktrees ? `removed ${plural(r.worktrees, 'worktree', 'worktrees')}` : '';
  const earlier = r.deletedEarlier ? `deleted ${plural(r.deletedEarlier, 'branch', 'branches')} kept by earlier cleans` : '';
  return [tasks, trees, earlier, files].filter(Boolean).join('; ') || 'nothing to clean';
}

/** One kept branch: where it is, what was committed onto it, and how to see and take it. */
export function keptBranchText(k: KeptLine): string {
  const saved = k.committed ? ` (the ${k.committed} uncommitted file${k.committed === 1 ? '' : 's'} its task left, committed onto it)` : '';
  return `${k.branch} in ${printable(k.repo)}${saved}: see it with dev-tools diff ${k.id}, take it with git switch ${k.branch}`;
}

/** What this clean kept, each with how to see it and take it (the CLI's lines). */
export function keptBranchLines(kept: KeptLine[]): string {
  const n = kept.length;
  const head = `kept ${n} branch${n === 1 ? '' : 'es'} with work not merged into ${n === 1 ? 'its' : 'their'} base (dev-tools clean --branches deletes ${n === 1 ? 'it' : 'them'}):`;
  const shown = kept.slice(0, 10).map((k) => `  ${keptBranchText(k)}`);
  if (n > 10) shown.push(`  and ${n - 10} more`);
  return `${[head, ...shown].join('\n')}\n`;
}
