// Where the worker of a `--tty` task listens for `send` and `attach`: a unix socket in
// the task's ledger folder (run/<id>/, 0700, ours), removed with the ledger. A socket
// path holds at most 107 bytes (and Node cuts a longer one silently): under a deep state
// dir it goes to a folder of this user's under $XDG_RUNTIME_DIR, else /tmp, checked as
// the state dir is (ours, 0700, no link).
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { safeUnlink } from './atomic.js';
import { notOursMessage, ownedByUs, type StatePaths } from './paths.js';

/** sun_path holds 108 bytes, the last one a NUL. */
export const MAX_SOCKET_PATH = 107;

const SOCKET_NAME = 'tty.sock';

function inLedger(paths: StatePaths, id: string): string {
  return join(paths.run, id, SOCKET_NAME);
}

/** The short folder for sockets of a deep state dir: one per user. */
function shortFolder(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  const base = runtime && isAbsolute(runtime) ? runtime : tmpdir();
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : 'user';
  return join(base, `dev-tools-${uid}`);
}

function inShortFolder(paths: StatePaths, id: string): string {
  // The state dir's hash tells two state dirs apart; the id tells the tasks apart.
  // node:crypto only here (a deep state dir's --tty task): loading it costs every command that imports this module a few ms.
  const home = process.getBuiltinModule('node:crypto').createHash('sha256').update(paths.home).digest('hex').slice(0, 12);
  return join(shortFolder(), `${home}-${id}.sock`);
}

/** The socket of task `id`'s terminal. */
export function terminalSocketPath(paths: StatePaths, id: string): string {
  const path = inLedger(paths, id);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : inShortFolder(paths, id);
}

/**
 * The folder the socket goes in, checked (and the short one made, 0700): a folder
 * that is not ours, is a link or is open to others is refused, as in the state dir.
 * Throws a message that says which.
 */
export function checkSocketFolder(path: string, create: boolean): void {
  const dir = join(path, '..');
  if (create) {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (!ownedByUs(st)) throw new Error(notOursMessage(dir, st.uid));
  if ((st.mode & 0o077) !== 0) throw new Error(`${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}): it must be 0700`);
}

/** Whether `path` is a socket of ours (a client connects to nothing else). */
export function ownSocket(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isSocket() && ownedByUs(st);
  } catch {
    return false;
  }
}

/** The socket is gone (its worker ended, or was found dead): both places it may be. */
export function removeTerminalSocket(paths: StatePaths, id: string): void {
  safeUnlink(inLedger(paths, id));
  const short = inShortFolder(paths, id);
  if (ownSocket(short)) safeUnlink(short);
}
