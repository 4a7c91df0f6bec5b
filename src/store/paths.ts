import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { errnoReason, TaskError } from '../core/errors.js';

export interface StatePaths {
  home: string;
  config: string;
  tasks: string;
  done: string;
  logs: string;
  locks: string;
  history: string;
  /** run/<id>/: the command groups a task may have alive (see ledger.ts). */
  run: string;
  /** env/<id>.json: the environment of the shell that launched a task, until it starts. */
  env: string;
  /** finish/<id>.json: a task whose onFinish hook has not been claimed yet (see finish-hook.ts). */
  finish: string;
  /** worktrees/<id>/: the git worktree of a task whose project runs in one. */
  worktrees: string;
  /** branches/<id>.json: a branch with work that `clean` kept when it removed its task (kept-branches.ts). */
  branches: string;
}

function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DEV_TOOLS_HOME;
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.dev-tools');
}

export function statePaths(home: string = stateHome()): StatePaths {
  const tasks = join(home, 'tasks');
  return {
    home,
    config: join(home, 'config.json'),
    tasks,
    done: join(tasks, 'done'),
    logs: join(home, 'logs'),
    locks: join(home, 'locks'),
    history: join(home, 'history'),
    run: join(home, 'run'),
    env: join(home, 'env'),
    finish: join(home, 'finish'),
    worktrees: join(home, 'worktrees'),
    branches: join(home, 'branches'),
  };
}

const euid = typeof process.geteuid === 'function' ? process.geteuid() : null;

/** Is this file or folder owned by us? A state dir owned by someone else lets them plant the commands we run. */
export function ownedByUs(st: { uid: number }): boolean {
  return euid === null || st.uid === euid;
}

export function notOursMessage(what: string, uid: number): string {
  return `${what} is owned by uid ${uid}, not by you (uid ${euid})`;
}

/**
 * Makes the state directory ready, checking before it changes anything. The state dir
 * and every folder in it must be ours, root included (as ssh refuses a ~/.ssh it does
 * not own), and no folder in it a symbolic link; the state dir itself may be one (dotfiles),
 * if the link is ours too. Folders are created 0700 (mkdir is exclusive: one already
 * there is checked as any other). A loose mode is tightened only in what is already a
 * dev-tools state dir (it has tasks/done/), an empty folder, or one just created; any
 * other folder's mode is left alone, and one others can write to is refused.
 */
export function ensureStateDirs(paths: StatePaths): void {
  const folders = [
    paths.tasks,
    paths.done,
    paths.logs,
    paths.locks,
    paths.history,
    paths.run,
    paths.env,
    paths.finish,
    paths.worktrees,
    paths.branches,
  ];
  const home = checkHome(paths.home);
  // Check every folder first: a planted link or a foreign folder is refused before anything changes.
  const found = new Map(folders.map((dir) => [dir, existingFolder(dir, false)]));
  const ours = home === 'created' || home === 'empty' || isStateDir(paths);
  if (home !== 'created' && home !== 'empty' && !ours && home.writableByOthers) {
    throw new TaskError(
      `state directory ${paths.home} can be written by other users (mode ${(home.mode & 0o7777).toString(8)}): refusing to use it (chmod 700 it, or set DEV_TOOLS_HOME to a directory of your own)`,
    );
  }
  if (ours) tighten(paths.home);
  for (const dir of folders) {
    const st = found.get(dir);
    if (!st) {
      makeFolder(dir);
    } else if ((st.mode & 0o7777) !== 0o700) {
      if (ours) tighten(dir);
      else if (st.mode & 0o022)
        throw new TaskError(`state directory ${dir} can be written by other users: refusing to use it (chmod 700 it)`);
    }
  }
}

interface HomeFound {
  mode: number;
  writableByOthers: boolean;
}

/** The state dir itself: made new when missing, else checked (owner, kind, a link's owner). Nothing is changed here. */
function checkHome(home: string): HomeFound | 'created' | 'empty' {
  let lst: Stats;
  try {
    lst = lstatSync(home);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotUse(home, err);
    makeHome(home);
    return 'created';
  }
  let st = lst;
  if (lst.isSymbolicLink()) {
    // A link is followed only if it is ours: else its owner chooses where our state goes.
    if (!ownedByUs(lst)) throw refuse(`state directory ${home} is a symbolic link; the link`, lst.uid);
    try {
      st = statSync(home);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new TaskError(`state directory ${home} is a symbolic link to nothing (create its target, or remove it)`);
      throw cannotUse(home, err);
    }
  }
  if (!st.isDirectory()) throw new TaskError(`state directory ${home} is not a directory`);
  if (!ownedByUs(st)) throw refuse(`state directory ${home}`, st.uid);
  if (namesIn(home).length === 0) return 'empty';
  return { mode: st.mode, writableByOthers: (st.mode & 0o022) !== 0 };
}

function makeHome(home: string): void {
  try {
    mkdirSync(dirname(home), { recursive: true, mode: 0o700 });
    mkdirSync(home, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      // Made by another command at the same moment: checked as any existing one.
      checkHome(home);
      return;
    }
    throw cannotUse(home, err);
  }
  tighten(home);
}

/** A folder of the state dir as it is: null when missing; a link, a file or someone else's folder is refused. */
function existingFolder(dir: string, quiet: boolean): Stats | null {
  let st: Stats;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || quiet) return null;
    throw cannotUse(dir, err);
  }
  if (st.isSymbolicLink()) throw new TaskError(`state directory ${dir} is a symbolic link (not followed; remove it)`);
  if (!st.isDirectory()) throw new TaskError(`state directory ${dir} is not a directory`);
  if (!ownedByUs(st)) throw refuse(`state directory ${dir}`, st.uid);
  return st;
}

/** Already a dev-tools state dir: it holds tasks/done/, ours. */
function isStateDir(paths: StatePaths): boolean {
  return existingFolder(paths.tasks, true) !== null && existingFolder(paths.done, true) !== null;
}

function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotUse(dir, err);
    // Made by another command at the same moment.
    existingFolder(dir, false);
    return;
  }
  tighten(dir);
}

/** 0700, for a folder of ours (a umask may have taken bits from a new one). */
function tighten(dir: string): void {
  try {
    if ((statSync(dir).mode & 0o7777) !== 0o700) chmodSync(dir, 0o700);
  } catch (err) {
    throw cannotUse(dir, err);
  }
}

function refuse(what: string, uid: number): TaskError {
  return new TaskError(`${notOursMessage(what, uid)}: refusing to use it (remove it, or set DEV_TOOLS_HOME to a directory of your own)`);
}

function cannotUse(dir: string, err: unknown): TaskError {
  const e = err as NodeJS.ErrnoException;
  return new TaskError(`cannot use state directory ${dir}: ${e.code ?? e.message}${hint(err)}`);
}

// What to do about it, after the reason in words.
const ADVICE: Record<string, string> = {
  EACCES: 'check its owner and permissions, or set DEV_TOOLS_HOME',
  EPERM: 'check its owner and permissions, or set DEV_TOOLS_HOME',
  EROFS: 'set DEV_TOOLS_HOME',
};

function hint(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = errnoReason(err);
  if (!code || reason === code) return '';
  return Object.hasOwn(ADVICE, code) ? ` (${reason}; ${ADVICE[code]})` : ` (${reason})`;
}

/** The names in a folder of the state dir; none when it cannot be listed (missing, say). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
