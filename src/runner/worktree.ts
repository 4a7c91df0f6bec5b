// A task's git worktree: made by its worker from the base recorded at launch, measured
// when the task ends, shown by `diff` and the dashboard, removed by `clean`.
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, realpathSync, rmSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseNumstat, worktreeBranch } from '../core/diff.js';
import { describeError, errnoReason, TaskError } from '../core/errors.js';
import type { DiffCount, Isolation, Task, Worktree } from '../core/task.js';
import type { StatePaths } from '../store/paths.js';
import { git, gitReason, type GitResult } from './git.js';
import { FileLock } from './lock.js';
import { sleep } from './sleep.js';

/** Git's own locks (index.lock, refs, config) taken by a git run at the same time. */
const GIT_LOCK_ERROR = /\.lock|could not lock|unable to create .*File exists|cannot lock ref/i;
const ADD_ATTEMPTS = 5;
const REPO_LOCK_WAIT_MS = 120_000;

export function worktreePath(paths: StatePaths, id: string): string {
  return join(paths.home, 'worktrees', id);
}

/**
 * One `git worktree add` (or remove) at a time per repo, across processes: git takes
 * locks of its own (config, refs, index) that a second add at the same moment fails on.
 */
async function underRepoLock<T>(paths: StatePaths, repo: string, body: () => Promise<T>): Promise<T> {
  const name = createHash('sha1').update(repo).digest('hex').slice(0, 16);
  const lock = new FileLock(join(paths.locks, `git-${name}.lock`));
  if (!(await lock.acquire(REPO_LOCK_WAIT_MS)))
    throw new TaskError(`another process kept the git lock of ${repo} for ${REPO_LOCK_WAIT_MS / 1000} s`);
  try {
    return await body();
  } finally {
    lock.release();
  }
}

/** Why the repo cannot give a worktree now (deleted or moved since the launch), or null. */
async function repoProblem(repo: string): Promise<string | null> {
  if (!existsSync(repo)) return `the project's repository ${repo} is gone (deleted or moved since the task was launched)`;
  const r = await git(repo, ['rev-parse', '--git-dir']);
  return r.code === 0 ? null : `${repo} is no longer a git repository (${gitReason(r)})`;
}

/** Takes away whatever a failed add left: the folder, its registration, the branch. */
async function discard(repo: string, path: string, branch: string): Promise<void> {
  await git(repo, ['worktree', 'remove', '--force', path]);
  rmSync(path, { recursive: true, force: true });
  await git(repo, ['worktree', 'prune']);
  await git(repo, ['branch', '-D', '--', branch]);
}

/** `git worktree add -b dev-tools/<id> worktrees/<id> <base>`, retried on git's locks; nothing is left on failure. */
export async function createWorktree(paths: StatePaths, id: string, iso: Isolation): Promise<Worktree> {
  const problem = await repoProblem(iso.repo);
  if (problem) throw new TaskError(problem);
  const path = worktreePath(paths, id);
  const branch = worktreeBranch(id);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new TaskError(`cannot create the worktree folder ${dirname(path)}: ${errnoReason(err)}`);
  }
  return underRepoLock(paths, iso.repo, async () => {
    for (let attempt = 1; ; attempt++) {
      // Parallel checkout (git >= 2.32; an older git ignores the setting): ~20 % less on 2 cores.
      const r = await git(iso.repo, ['-c', 'checkout.workers=0', 'worktree', 'add', '--quiet', '-b', branch, path, iso.base]);
      if (r.code === 0) return { path, branch, base: iso.base };
      const full = diskFull(dirname(path));
      await discard(iso.repo, path, branch);
      if (attempt < ADD_ATTEMPTS && GIT_LOCK_ERROR.test(r.stderr)) {
        await sleep(50 * 2 ** attempt);
        continue;
      }
      const reason = gitReason(r);
      throw new TaskError(`cannot create the worktree: ${reason}${full && !/disk is full/.test(reason) ? ' (the disk is full)' : ''}`);
    }
  });
}

/** Git says only "unable to write file" when the disk fills during a checkout: look at the disk. */
function diskFull(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

/** Where the task's commands run in its worktree: the project's cwd at the same place inside the repo. */
export function worktreeCwd(task: Pick<Task, 'cwd'>, iso: Isolation, wt: Worktree): string {
  let inRepo: string;
  try {
    inRepo = relative(realpathSync(iso.repo), realpathSync(task.cwd));
  } catch {
    inRepo = relative(iso.repo, task.cwd);
  }
  return inRepo && !inRepo.startsWith('..') ? join(wt.path, inRepo) : wt.path;
}

/** Copies the project's untracked files named in `copy` into the worktree; returns a line per file not found. */
export function copyIntoWorktree(from: string, to: string, copy: string[]): string[] {
  const notes: string[] = [];
  for (const rel of copy) {
    const src = join(from, rel);
    try {
      statSync(src);
    } catch {
      notes.push(`copy: ${rel} is not in the project; skipped`);
      continue;
    }
    const dest = join(to, rel);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(src, dest, { recursive: true, force: true });
  }
  return notes;
}

/**
 * Makes a task's worktree (`made` records it before anything else can fail), copies the
 * project's `copy` files in, and returns where the task's commands run.
 */
export async function openTaskWorktree(
  paths: StatePaths,
  task: Task,
  on: { made: (wt: Worktree) => void; log: (line: string) => void },
): Promise<string> {
  const iso = task.isolation!;
  const wt = await createWorktree(paths, task.id, iso);
  on.made(wt);
  on.log(`worktree ${wt.path} (branch ${wt.branch} from ${iso.base.slice(0, 12)})`);
  const cwd = worktreeCwd(task, iso, wt);
  for (const note of copyIntoWorktree(task.cwd, cwd, iso.copy)) on.log(note);
  return cwd;
}

/** The task with the diff it records as it ends; the line for its log says it (or why it could not be measured). */
export async function withEndDiff(task: Task, wt: Worktree, log: (line: string) => void): Promise<Task> {
  try {
    const d = await measureDiff(wt);
    log(`changed ${d.files} file${d.files === 1 ? '' : 's'} (+${d.insertions} -${d.deletions}) in ${wt.path}: dev-tools diff ${task.id}`);
    return { ...task, diff: d };
  } catch (err) {
    log(describeError(err));
    return task;
  }
}

/**
 * Git in the worktree as if every change were staged: a copy of its index with
 * everything added, so untracked files count and the worktree's own index is untouched.
 */
async function withEverythingStaged(wt: string, args: string[]): Promise<GitResult> {
  const index = await git(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
  if (index.code !== 0) return index;
  const real = index.stdout.trim();
  const temp = `${real}.dev-tools-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    if (existsSync(real)) copyFileSync(real, temp);
    const env = { ...process.env, GIT_INDEX_FILE: temp };
    const add = await git(wt, ['add', '-A'], { env });
    if (add.code !== 0) return add;
    return await git(wt, args, { env });
  } finally {
    rmSync(temp, { force: true });
  }
}

/** What the task changed against its base: committed, uncommitted and untracked. */
export async function measureDiff(wt: Worktree): Promise<DiffCount> {
  const r = await withEverythingStaged(wt.path, ['diff', '--cached', '--numstat', '-z', wt.base]);
  if (r.code !== 0) throw new TaskError(`cannot measure the diff: ${gitReason(r)}`);
  return parseNumstat(r.stdout);
}

/**
 * The task's diff as text (`--stat` or the patch): from its worktree, else from its
 * branch when the worktree was removed by hand.
 */
export async function diffText(task: Task, opts: { stat?: boolean; color?: boolean } = {}): Promise<string> {
  const wt = task.worktree;
  if (!wt || !task.isolation) throw new TaskError(`task ${task.id} has no worktree (its project does not run tasks in one)`);
  const args = ['diff', opts.color ? '--color=always' : '--no-color', ...(opts.stat ? ['--stat'] : [])];
  let r: GitResult;
  if (existsSync(wt.path)) r = await withEverythingStaged(wt.path, [...args.slice(0, 1), '--cached', ...args.slice(1), wt.base]);
  else if (existsSync(task.isolation.repo)) r = await git(task.isolation.repo, [...args, wt.base, `refs/heads/${wt.branch}`, '--']);
  else throw new TaskError(`the worktree ${wt.path} and the repository ${task.isolation.repo} are gone`);
  if (r.code !== 0) throw new TaskError(`cannot show the diff of task ${task.id}: ${gitReason(r)}`);
  return r.stdout;
}

export interface RemovedWorktree {
  /** Its branch was deleted (merged into the base's branch, or `--branches`). */
  branchDeleted: boolean;
  /** Its branch stays: it holds commits the base's branch does not have. */
  branchKept: boolean;
  /** It had a worktree to remove (recorded, or left on disk by a worker killed while adding it). */
  removed: boolean;
}

/**
 * Removes a task's worktree (`git worktree remove --force`, then `prune`) and its branch
 * when merged into the base's branch, or always with `branches`. A worktree or branch
 * already deleted by hand is not an error.
 */
export async function removeWorktree(paths: StatePaths, task: Task, opts: { branches?: boolean } = {}): Promise<RemovedWorktree> {
  const iso = task.isolation;
  if (!iso) return { branchDeleted: false, branchKept: false, removed: false };
  // A worker killed during `git worktree add` recorded nothing, but git may have made both.
  const wt = task.worktree ?? { path: worktreePath(paths, task.id), branch: worktreeBranch(task.id), base: iso.base };
  const none = { branchDeleted: false, branchKept: false, removed: Boolean(task.worktree) || existsSync(wt.path) };
  if (!existsSync(iso.repo)) {
    rmSync(wt.path, { recursive: true, force: true });
    return none;
  }
  return underRepoLock(paths, iso.repo, async () => {
    await git(iso.repo, ['worktree', 'remove', '--force', wt.path]);
    rmSync(wt.path, { recursive: true, force: true });
    await git(iso.repo, ['worktree', 'prune']);
    const ref = `refs/heads/${wt.branch}`;
    if ((await git(iso.repo, ['rev-parse', '--verify', '--quiet', ref])).code !== 0) return none;
    const merged = iso.baseBranch
      ? (await git(iso.repo, ['merge-base', '--is-ancestor', ref, `refs/heads/${iso.baseBranch}`])).code === 0
      : false;
    if (!merged && !opts.branches) return { ...none, branchKept: true };
    const del = await git(iso.repo, ['branch', '-D', '--', wt.branch]);
    return { ...none, branchDeleted: del.code === 0, branchKept: del.code !== 0 };
  });
}

/** Files with changes not committed to the task's branch yet (untracked included); 0 when the worktree is gone. */
export async function uncommittedFiles(wt: Worktree): Promise<number> {
  if (!existsSync(wt.path)) return 0;
  const r = await git(wt.path, ['status', '--porcelain', '-z']);
  return r.code === 0 ? r.stdout.split('\0').filter((rec) => /^.. /.test(rec)).length : 0;
}
