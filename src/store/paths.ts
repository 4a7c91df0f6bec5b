import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
 * Creates the state directory (0700 throughout) and tightens one left with looser
 * permissions. A folder owned by another user is refused, root included, as ssh
 * refuses a ~/.ssh it does not own.
 */
export function ensureStateDirs(paths: StatePaths): void {
  for (const dir of [paths.home, paths.tasks, paths.done, paths.logs, paths.locks, paths.history, paths.run, paths.env, paths.finish]) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // The home may be a symlink (dotfiles); a folder inside it may not: chmod and writes would follow it.
      const st = dir === paths.home ? statSync(dir) : lstatSync(dir);
      if (st.isSymbolicLink()) throw new TaskError(`state directory ${dir} is a symbolic link (not followed; remove it)`);
      if (!st.isDirectory()) throw new TaskError(`state directory ${dir} is not a directory`);
      if (!ownedByUs(st)) {
        throw new TaskError(
          `${notOursMessage(`state directory ${dir}`, st.uid)}: refusing to use it (remove it, or set DEV_TOOLS_HOME to a directory of your own)`,
        );
      }
      if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
    } catch (err) {
      if (err instanceof TaskError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new TaskError(`cannot use state directory ${dir}: ${e.code ?? e.message}${hint(err)}`);
    }
  }
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
