// A task's git worktree: made by its worker from the base recorded at launch, measured
// when the task ends, shown by `diff` and the dashboard, removed by `clean` (which first
// saves what the task left uncommitted onto its branch).
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseNumstat, worktreeBranch } from '../core/diff.js';
import { describeError, errnoReason, TaskError } from '../core/errors.js';
import type { DiffCount, Isolation, Task, Worktree } from '../core/task.js';
import { notOursMessage, ownedByUs, type StatePaths } from '../store/paths.js';
import { git, GIT_LONG_TIMEOUT_MS, gitReason, type GitContext, type GitResult } from './git.js';
import { FileLock } from './lock.js';
import { sleep } from './sleep.js';

/** Git's own locks (index.lock, refs, config) taken by a git run at the same time. */
const GIT_LOCK_ERROR = /\.lock|could not lock|unable to create .*File exists|cannot lock ref/i;
const ADD_ATTEMPTS = 5;
const REPO_LOCK_WAIT_MS = 120_000;

export function worktreePath(paths: StatePaths, id: string): string {
  return join(paths.worktrees, id);
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
async function repoProblem(repo: string, ctx: GitContext): Promise<string | null> {
  if (!existsSync(repo)) return `the project's repository ${repo} is gone (deleted or moved since the task was launched)`;
  const r = await git(repo, ['rev-parse', '--git-dir'], ctx);
  if (r.failure) return `cannot run git in ${repo}: ${r.failure.message}`;
  return r.code === 0 ? null : `${repo} is no longer a git repository (${gitReason(r)})`;
}

/** Takes away whatever a failed add left: the folder, its registration, the branch. */
async function discard(repo: string, path: string, branch: string, ctx: GitContext): Promise<void> {
  await git(repo, ['worktree', 'remove', '--force', path], ctx);
  rmSync(path, { recursive: true, force: true });
  await git(repo, ['worktree', 'prune'], ctx);
  await git(repo, ['branch', '-D', '--', branch], ctx);
}

/**
 * The worktree's folder, made new (0700, exclusively) before git checks anything out
 * into it: a folder already there is refused, never used, unless it is an empty one of
 * ours (left by a worker killed before git wrote into it).
 */
function makeWorktreeFolder(path: string): void {
  try {
    mkdirSync(path, { mode: 0o700 });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new TaskError(`cannot create the worktree folder ${path}: ${errnoReason(err)}`);
    }
  }
  const st = lstatSync(path);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new TaskError(`the worktree folder ${path} exists and is not a folder: remove it`);
  if (!ownedByUs(st)) throw new TaskError(`${notOursMessage(`the worktree folder ${path}`, st.uid)}: refusing to use it`);
  if (readdirSync(path).length > 0) throw new TaskError(`the worktree folder ${path} already exists and is not empty: remove it`);
}

/**
 * `git worktree add -b dev-tools/<id> worktrees/<id> <base>`, retried on git's locks;
 * nothing is left on failure. `stopped` says the task is being cancelled: no add starts then.
 */
export async function createWorktree(
  paths: StatePaths,
  id: string,
  iso: Isolation,
  ctx: GitContext & { stopped?: () => boolean } = {},
): Promise<Worktree> {
  const problem = await repoProblem(iso.repo, ctx);
  if (problem) throw new TaskError(problem);
  const path = worktreePath(paths, id);
  const branch = worktreeBranch(id);
  return underRepoLock(paths, iso.repo, async () => {
    for (let attempt = 1; ; attempt++) {
      if (ctx.stopped?.()) throw new TaskError('cancelled before its worktree was made');
      makeWorktreeFolder(path);
      // Parallel checkout (git >= 2.32; an older git ignores the setting): ~20 % less on 2 cores.
      const r = await git(iso.repo, ['-c', 'checkout.workers=0', 'worktree', 'add', '--quiet', '-b', branch, path, iso.base], {
        ...ctx,
        label: 'worktree-add',
        timeoutMs: GIT_LONG_TIMEOUT_MS,
      });
      if (r.code === 0) return { path, branch, base: iso.base };
      const full = diskFull(dirname(path));
      await discard(iso.repo, path, branch, ctx);
      if (attempt < ADD_ATTEMPTS && GIT_LOCK_ERROR.test(r.stderr) && !ctx.stopped?.()) {
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
  ctx: GitContext & { stopped?: () => boolean } = {},
): Promise<string> {
  const iso = task.isolation!;
  const wt = await createWorktree(paths, task.id, iso, ctx);
  on.made(wt);
  on.log(`worktree ${wt.path} (branch ${wt.branch} from ${iso.base.slice(0, 12)})`);
  const cwd = worktreeCwd(task, iso, wt);
  for (const note of copyIntoWorktree(task.cwd, cwd, iso.copy)) on.log(note);
  return cwd;
}

/** The task with the diff it records as it ends; the line for its log says it (or why it could not be measured). */
export async function withEndDiff(task: Task, wt: Worktree, log: (line: string) => void, ctx: GitContext = {}): Promise<Task> {
  try {
    const d = await measureDiff(wt, ctx);
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
async function withEverythingStaged(wt: string, args: string[], ctx: GitContext = {}): Promise<GitResult> {
  const index = await git(wt, ['rev-parse', '--path-format=absolute', '--git-path', 'index'], ctx);
  if (index.code !== 0) return index;
  const real = index.stdout.trim();
  const temp = `${real}.dev-tools-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    if (existsSync(real)) copyFileSync(real, temp);
    const add = await git(wt, ['add', '-A'], { ...ctx, indexFile: temp, timeoutMs: GIT_LONG_TIMEOUT_MS });
    if (add.code !== 0) return add;
    return await git(wt, args, { ...ctx, indexFile: temp, timeoutMs: GIT_LONG_TIMEOUT_MS });
  } finally {
    rmSync(temp, { force: true });
  }
}

/** What the task changed against its base: committed, uncommitted and untracked. */
export async function measureDiff(wt: Worktree, ctx: GitContext = {}): Promise<DiffCount> {
  const r = await withEverythingStaged(wt.path, ['diff', '--cached', '--numstat', '-z', wt.base], ctx);
  if (r.code !== 0) throw new TaskError(`cannot measure the diff: ${gitReason(r)}`);
  return parseNumstat(r.stdout);
}

/** What `diff` shows: a worktree task, or the branch `clean` kept of one that is gone. */
export interface DiffSource {
  id: string;
  repo: string;
  base: string;
  branch: string;
  /** Its worktree, when it may still be there. */
  path: string | null;
}

/** A task's place in git, for `diff`: its worktree, else its branch (the worktree removed by hand). */
export function diffSourceOf(task: Task): DiffSource {
  const wt = task.worktree;
  if (!wt || !task.isolation) throw new TaskError(`task ${task.id} has no worktree (its project does not run tasks in one)`);
  return { id: task.id, repo: task.isolation.repo, base: wt.base, branch: wt.branch, path: wt.path };
}

/**
 * The task's diff as text (`--stat` or the patch): from its worktree, else from its
 * branch when the worktree was removed (by hand, or by `clean`, which kept the branch).
 */
export async function diffText(task: Task | DiffSource, opts: { stat?: boolean; color?: boolean } = {}): Promise<string> {
  const src = 'status' in task ? diffSourceOf(task) : task;
  const args = ['diff', opts.color ? '--color=always' : '--no-color', ...(opts.stat ? ['--stat'] : [])];
  let r: GitResult;
  if (src.path && existsSync(src.path))
    r = await withEverythingStaged(src.path, [...args.slice(0, 1), '--cached', ...args.slice(1), src.base]);
  else if (existsSync(src.repo))
    r = await git(src.repo, [...args, src.base, `refs/heads/${src.branch}`, '--'], { timeoutMs: GIT_LONG_TIMEOUT_MS });
  else throw new TaskError(`${src.path ? `the worktree ${src.path}` : `branch ${src.branch}`} and the repository ${src.repo} are gone`);
  if (r.code !== 0) throw new TaskError(`cannot show the diff of task ${src.id}: ${gitReason(r)}`);
  return r.stdout;
}

export interface RemovedWorktree {
  /** It had a worktree to remove (recorded, or left on disk by a worker killed while adding it). */
  removed: boolean;
  /** Its branch was deleted (it held nothing beyond its base, or was merged into the base's branch, or `--branches`). */
  branchDeleted: boolean;
  /** Its branch stays: it holds work not merged into its base. */
  branchKept: boolean;
  /** Files the task left uncommitted (untracked included), committed onto its branch before the worktree went. */
  committed: number;
  /** Why the worktree was kept as it is (its work could not be saved onto the branch); null when it went. */
  worktreeKept: string | null;
}

const NOTHING: RemovedWorktree = { removed: false, branchDeleted: false, branchKept: false, committed: 0, worktreeKept: null };

/**
 * Removes a task's worktree (`git worktree remove --force`, then `prune`) once what the
 * task left uncommitted is committed onto its branch; a worktree whose work cannot be
 * saved so is kept. The branch is deleted only when it holds no work beyond its base
 * (or that work is merged into the base's branch), or always with `branches`. A worktree
 * or branch already deleted by hand is not an error.
 */
export async function removeWorktree(paths: StatePaths, task: Task, opts: { branches?: boolean } = {}): Promise<RemovedWorktree> {
  const iso = task.isolation;
  if (!iso) return NOTHING;
  // A worker killed during `git worktree add` recorded nothing, but git may have made both.
  const wt = task.worktree ?? { path: worktreePath(paths, task.id), branch: worktreeBranch(task.id), base: iso.base };
  const there = existsSync(wt.path);
  if (!existsSync(iso.repo)) {
    // Its files are the only copy left of what the task did: not ours to throw away.
    if (there && task.worktree && !opts.branches && readdirSync(wt.path).some((n) => n !== '.git'))
      return { ...NOTHING, worktreeKept: `its repository ${iso.repo} is gone, and its worktree still holds its files` };
    rmSync(wt.path, { recursive: true, force: true });
    return { ...NOTHING, removed: Boolean(task.worktree) || there };
  }
  return underRepoLock(paths, iso.repo, async () => {
    let committed = 0;
    // An unrecorded worktree (its worker killed while adding it) never had a command run in it: nothing to save.
    if (there && task.worktree && !opts.branches) {
      const saved = await saveUncommitted(task, wt);
      if ('problem' in saved) return { ...NOTHING, worktreeKept: saved.problem };
      committed = saved.committed;
    }
    await git(iso.repo, ['worktree', 'remove', '--force', wt.path]);
    rmSync(wt.path, { recursive: true, force: true });
    await git(iso.repo, ['worktree', 'prune']);
    const done = { ...NOTHING, removed: Boolean(task.worktree) || there, committed };
    const ref = `refs/heads/${wt.branch}`;
    if ((await git(iso.repo, ['rev-parse', '--verify', '--quiet', ref])).code !== 0) return done;
    if (!opts.branches && (await holdsWork(iso, ref))) return { ...done, branchKept: true };
    const del = await git(iso.repo, ['branch', '-D', '--', wt.branch]);
    return { ...done, branchDeleted: del.code === 0, branchKept: del.code !== 0 };
  });
}

/** Deletes a branch `clean` kept earlier (its task is gone); `gone` when it (or its repo) no longer exists. */
export async function deleteKeptBranch(paths: StatePaths, repo: string, branch: string): Promise<'deleted' | 'gone' | 'failed'> {
  if (!existsSync(repo)) return 'gone';
  return underRepoLock(paths, repo, async () => {
    if ((await git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])).code !== 0) return 'gone';
    return (await git(repo, ['branch', '-D', '--', branch])).code === 0 ? 'deleted' : 'failed';
  });
}

/** Does the branch hold commits that are neither in the base nor merged into the base's branch? */
async function holdsWork(iso: Isolation, ref: string): Promise<boolean> {
  if ((await git(iso.repo, ['merge-base', '--is-ancestor', ref, iso.base])).code === 0) return false;
  if (!iso.baseBranch) return true;
  return (await git(iso.repo, ['merge-base', '--is-ancestor', ref, `refs/heads/${iso.baseBranch}`])).code !== 0;
}

/** Nobody's hooks or signing keys: this commit only keeps the task's work. */
const SAVE_CONFIG = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false'];

/**
 * Commits what the task left uncommitted in its worktree (changes and untracked files;
 * what .gitignore ignores is not work) onto its branch, in a commit named after the task.
 */
async function saveUncommitted(task: Task, wt: Worktree): Promise<{ committed: number } | { problem: string }> {
  const head = await git(wt.path, ['symbolic-ref', '-q', 'HEAD']);
  const status = await git(wt.path, ['status', '--porcelain', '-z'], { timeoutMs: GIT_LONG_TIMEOUT_MS });
  if (status.code !== 0) return { problem: `cannot tell what it left uncommitted: ${gitReason(status)}` };
  const dirty = countStatus(status.stdout);
  if (head.stdout.trim() !== `refs/heads/${wt.branch}`) {
    const on = head.code === 0 ? `branch ${head.stdout.trim().replace(/^refs\/heads\//, '')}` : 'a detached HEAD';
    // Commits on a detached HEAD go with the worktree; so would changes committed there.
    if (head.code !== 0 || dirty > 0) return { problem: `its worktree is on ${on}, not on ${wt.branch}` };
    return { committed: 0 };
  }
  if (dirty === 0) return { committed: 0 };
  const add = await git(wt.path, [...SAVE_CONFIG, 'add', '-A'], { timeoutMs: GIT_LONG_TIMEOUT_MS });
  if (add.code !== 0) return { problem: `cannot commit its ${dirty} uncommitted files: ${gitReason(add)}` };
  // No identity configured: the commit still gets made, by dev-tools.
  const who = await git(wt.path, ['var', 'GIT_COMMITTER_IDENT']);
  const identity =
    who.code === 0
      ? {}
      : {
          GIT_AUTHOR_NAME: 'dev-tools',
          GIT_AUTHOR_EMAIL: 'dev-tools@localhost',
          GIT_COMMITTER_NAME: 'dev-tools',
          GIT_COMMITTER_EMAIL: 'dev-tools@localhost',
        };
  const title = `dev-tools ${task.id}: ${task.description.split('\n')[0]!.slice(0, 72)}`;
  const body = `Work that task ${task.id} (project ${task.project}) left uncommitted in its worktree, committed by dev-tools clean before the worktree was removed.`;
  const commit = await git(wt.path, [...SAVE_CONFIG, 'commit', '--no-verify', '--quiet', '-m', title, '-m', body], {
    env: { ...process.env, ...identity },
    timeoutMs: GIT_LONG_TIMEOUT_MS,
  });
  if (commit.code !== 0) return { problem: `cannot commit its ${dirty} uncommitted files: ${gitReason(commit)}` };
  return { committed: dirty };
}

/** Files with changes not committed to the task's branch yet (untracked included); 0 when the worktree is gone. */
export async function uncommittedFiles(wt: Pick<Worktree, 'path'>): Promise<number> {
  if (!existsSync(wt.path)) return 0;
  const r = await git(wt.path, ['status', '--porcelain', '-z']);
  return r.code === 0 ? countStatus(r.stdout) : 0;
}

/** Files in `git status --porcelain -z` (a rename's second path is not one more). */
function countStatus(text: string): number {
  return text.split('\0').filter((rec) => /^.. /.test(rec)).length;
}
