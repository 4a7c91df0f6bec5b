// The one runner of outside programs that dev-tools runs and reads — git, Slurm's
// commands (sbatch, squeue, scancel, scontrol), tmux, `ps` where there is no /proc — and
// that it starts and leaves (the onFinish hook). It runs them with execa: a deadline
// (TERM, then KILL if TERM is not enough), output past a limit as an error of its own,
// the signal that ended a program kept, and whatever still runs ended when we exit.
//
// execa is loaded here, at the first program run, from node_modules: never on the static
// import graph of the fast paths (`status`, `task -b` start none of these), and never in
// the worker's spawn of a task's own command (runner/step.ts keeps node:child_process).
//
// Output goes to temp files, not pipes, and a program is waited for by its exit: a hook
// that leaves a background process holding its stdout never holds us up. Where it runs
// is the caller's: plainly, or as a recorded step of a task (the worker: its own process
// group in the task's ledger, stopped by a cancel) through a ProgramRunner.
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errnoReason } from '../core/errors.js';
import { randomBytes } from '../store/random.js';

type Execa = typeof import('execa');

/**
 * Why a program did not run to its end: it could not start, it overran its deadline
 * (and was stopped), or it printed more than it may.
 */
export type ProgramFailure = { kind: 'spawn' | 'timeout' | 'output'; message: string; errno?: string };

export interface ProgramResult {
  /** The exit code; -1 when it did not exit by itself (killed, or it never ran: see `failure`). */
  code: number;
  /** The signal that ended it, if one did (ours at its deadline, or anyone's). */
  signal: string | null;
  stdout: string;
  stderr: string;
  failure: ProgramFailure | null;
}

export interface ProgramSpawn {
  /** Default: this process's. */
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Raw fds the program writes its output to. */
  stdout: number;
  stderr: number;
  /** It is stopped (TERM, a grace, KILL) past this. */
  timeoutMs: number;
  /** What the program does, in a word (the worker stops there in tests: `worktree-add`). */
  label?: string;
}

/** Starts a program with these fds and resolves when it exited, was stopped at its deadline, or could not start. */
export type ProgramRunner = (
  argv: string[],
  opts: ProgramSpawn,
) => Promise<{ code: number | null; signal: string | null; timedOut?: boolean } | { error: string; errno?: string }>;

/** How long a program stopped at its deadline has between TERM and KILL. */
const KILL_AFTER_MS = 2000;
/** More output than this is a failure, not a buffer to fill (a diff of a whole disk, say). */
const MAX_OUTPUT = 512 * 1024 * 1024;

// Named in a variable: the bundler leaves it out of dist/ (it would add 300 KiB to every
// bundle, the worker's included) and Node loads it from node_modules when first asked.
const EXECA = 'execa';
// In the CLI bundle, bin/dev-tools.js hands in its own import(): Node 20 cannot import from
// a vm.Script compiled from a code cache (src/cli/load-ui.ts does the same for the UI).
declare const __devToolsImport: ((specifier: string) => Promise<unknown>) | undefined;

let loaded: Promise<Execa> | null = null;

/** execa, loaded on first use. */
export function loadExeca(): Promise<Execa> {
  loaded ??= (typeof __devToolsImport === 'function' ? __devToolsImport(EXECA) : import(EXECA)) as Promise<Execa>;
  return loaded;
}

/** execa for a caller that cannot wait (`ps` in proc.ts): the same module, required synchronously (Node ≥ 20.19 can require an ES module). */
function execaNow(): Execa {
  return process.getBuiltinModule('node:module').createRequire(join(import.meta.dirname, 'program.js'))(EXECA) as Execa;
}

/** Programs started and not yet handed over (a hook whose execa is still loading): a command waits for them before it exits. */
const starting = new Set<Promise<unknown>>();

/** Resolves once every program this process is starting has started (or failed to): before a command exits. */
export async function programsStarted(): Promise<void> {
  while (starting.size) await Promise.all([...starting]);
}

/** A process of its own, through execa, waited for by its exit (not by the close of its output). */
export const plainRunner: ProgramRunner = (argv, opts) => execaRun(argv, opts);

/** `input` (sbatch reads its script there) goes to its stdin; else it has none. */
async function execaRun(argv: string[], opts: ProgramSpawn, input?: string): ReturnType<ProgramRunner> {
  const { execa } = await loadExeca();
  const r = await execa(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    stdout: rawFd(opts.stdout),
    stderr: rawFd(opts.stderr),
    timeout: opts.timeoutMs,
    forceKillAfterDelay: KILL_AFTER_MS,
    reject: false,
  });
  if (r.code && r.exitCode === undefined && !r.signal) return { error: spawnReason(argv[0]!, r.code, r.cause), errno: r.code };
  return ended(r);
}

/**
 * How an execa run ended. At its deadline the signal is ours (TERM; KILL when TERM was not
 * enough), also when the program caught TERM and exited by itself.
 */
function ended(r: { exitCode?: number; signal?: string; timedOut: boolean; isForcefullyTerminated: boolean }) {
  const signal = r.signal ?? (r.timedOut ? (r.isForcefullyTerminated ? 'SIGKILL' : 'SIGTERM') : null);
  return { code: r.exitCode ?? null, signal, timedOut: r.timedOut };
}

/** A raw fd, as execa takes it (any open fd; its types name only 3 to 9). */
const rawFd = (fd: number) => fd as 3;

function spawnReason(file: string, code: string | undefined, cause: unknown): string {
  return code === 'ENOENT' ? `${file} is not installed (or the directory is gone)` : errnoReason(cause ?? new Error(code));
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Given on its stdin. */
  input?: string;
  /** Its deadline: past it, TERM, then KILL. */
  timeoutMs: number;
  /** More output than this (stdout and stderr each) is a failure. */
  maxOutput?: number;
  label?: string;
  /** Where it runs (default: a process of its own). */
  runner?: ProgramRunner;
}

/**
 * Runs `argv` to its end (or its deadline) and returns what it printed. Never throws: a
 * program that fails is an exit code, one that could not run or was stopped is a `failure`.
 */
export async function runProgram(argv: string[], opts: RunOptions): Promise<ProgramResult> {
  const name = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
  const maxOutput = opts.maxOutput ?? MAX_OUTPUT;
  let out: number | null = null;
  let err: number | null = null;
  try {
    out = anonymousFile();
    err = anonymousFile();
    const spawn: ProgramSpawn = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdout: out,
      stderr: err,
      timeoutMs: opts.timeoutMs,
      label: opts.label,
    };
    const ran = opts.input === undefined ? await (opts.runner ?? plainRunner)(argv, spawn) : await execaRun(argv, spawn, opts.input);
    const failed = (failure: ProgramFailure, signal: string | null = null): ProgramResult => ({
      code: -1,
      signal,
      stdout: '',
      stderr: failure.message,
      failure,
    });
    if ('error' in ran) return failed({ kind: 'spawn', message: ran.error, errno: ran.errno });
    if (ran.timedOut) return failed({ kind: 'timeout', message: `${name} did not answer within ${seconds(opts.timeoutMs)}` }, ran.signal);
    const stdout = readAll(out, maxOutput);
    const stderr = readAll(err, maxOutput);
    if (stdout === null || stderr === null) {
      return failed({ kind: 'output', message: `${name} printed more than ${Math.round(maxOutput / 1024 / 1024)} MiB` });
    }
    return { code: ran.code ?? -1, signal: ran.signal, stdout, stderr, failure: null };
  } catch (e) {
    return {
      code: -1,
      signal: null,
      stdout: '',
      stderr: `cannot run ${name}: ${errnoReason(e)}`,
      failure: { kind: 'spawn', message: errnoReason(e) },
    };
  } finally {
    if (out !== null) closeSync(out);
    if (err !== null) closeSync(err);
  }
}

/**
 * Runs a short query and waits for it synchronously (`ps`, where there is no /proc: its
 * callers cannot wait). Its output, or null when it failed, overran or printed too much.
 */
export function runQuerySync(argv: string[], timeoutMs: number, maxOutput = 16 * 1024 * 1024): string | null {
  const r = execaNow().execaSync(argv[0]!, argv.slice(1), {
    stdin: 'ignore',
    stderr: 'ignore',
    timeout: timeoutMs,
    maxBuffer: maxOutput,
    reject: false,
  });
  return r.failed ? null : r.stdout;
}

/**
 * Starts a program that outlives the caller (the onFinish hook): detached, in its own
 * process group, its stdio nowhere, never waited for and not ended when we exit.
 * Resolves once it started (or could not); a command waits for that before it exits
 * (programsStarted), so a hook is never lost to a quick exit.
 */
export function startDetached(argv: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<boolean> {
  const started = (async () => {
    const { execa } = await loadExeca();
    const child = execa(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: opts.env,
      extendEnv: false,
      detached: true,
      stdio: 'ignore',
      cleanup: false,
      reject: false,
    });
    child.unref();
    return child.pid !== undefined;
  })().catch(() => false);
  starting.add(started);
  void started.finally(() => starting.delete(started));
  return started;
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

function readAll(fd: number, max: number): string | null {
  const size = fstatSync(fd).size;
  if (size > max) return null;
  const buf = Buffer.alloc(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.toString('utf8', 0, off);
}
