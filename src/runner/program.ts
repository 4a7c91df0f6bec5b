// Outside programs that dev-tools runs and reads (git): the one place they are started.
// Their output goes to temp files, not pipes, and they are waited for by their exit:
// a hook that leaves a background process holding its stdout never holds us up.
// Where it runs is the caller's: plainly (the CLI), or as a recorded step of a task
// (the worker: its own process group in the task's ledger, stopped by a cancel).
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoReason } from '../core/errors.js';
import { randomBytes } from '../store/random.js';

export interface ProgramResult {
  /** The exit code; -1 when the program could not run at all (`stderr` says why). */
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ProgramSpawn {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Raw fds the program writes its output to. */
  stdout: number;
  stderr: number;
  /** What the program does, in a word (the worker stops there in tests: `worktree-add`). */
  label?: string;
}

/** Starts a program with these fds and resolves when it exited (or why it could not start). */
export type ProgramRunner = (
  argv: string[],
  opts: ProgramSpawn,
) => Promise<{ code: number | null; signal: string | null } | { error: string }>;

/** More output than this is a failure, not a buffer to fill (a diff of a whole disk, say). */
const MAX_OUTPUT = 512 * 1024 * 1024;

/** A process of its own, waited for by its exit (not by the close of its output). */
export const plainRunner: ProgramRunner = (argv, opts) =>
  new Promise((resolve) => {
    const child = process.getBuiltinModule('node:child_process').spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', opts.stdout, opts.stderr],
    });
    child.once('error', (err) => resolve({ error: spawnReason(argv[0]!, err) }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

function spawnReason(file: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? `${file} is not installed (or the directory is gone)` : errnoReason(err);
}

/** Runs `argv` to its end and returns what it printed; never throws for a failure of the program. */
export async function runProgram(
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; label?: string; runner?: ProgramRunner },
): Promise<ProgramResult> {
  let out: number | null = null;
  let err: number | null = null;
  try {
    out = anonymousFile();
    err = anonymousFile();
    const ran = await (opts.runner ?? plainRunner)(argv, { cwd: opts.cwd, env: opts.env, stdout: out, stderr: err, label: opts.label });
    if ('error' in ran) return { code: -1, signal: null, stdout: '', stderr: ran.error };
    const stdout = readAll(out);
    const stderr = readAll(err);
    if (stdout === null || stderr === null) return { code: -1, signal: null, stdout: '', stderr: `${argv[0]} printed more than 512 MiB` };
    return { code: ran.code ?? (ran.signal ? 128 : 1), signal: ran.signal, stdout, stderr };
  } catch (e) {
    return { code: -1, signal: null, stdout: '', stderr: `cannot run ${argv[0]}: ${errnoReason(e)}` };
  } finally {
    if (out !== null) closeSync(out);
    if (err !== null) closeSync(err);
  }
}

/** A new 0600 file in the temp folder, unlinked at once: only this fd (and the child's copy) reaches it. */
function anonymousFile(): number {
  const path = join(tmpdir(), `dev-tools-out-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    unlinkSync(path);
  } catch {
    // left for the system's temp cleaning; the fd works either way
  }
  return fd;
}

function readAll(fd: number): string | null {
  const size = fstatSync(fd).size;
  if (size > MAX_OUTPUT) return null;
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.toString('utf8', 0, off);
}
