// Git, run through runner/program.ts: loaded only by what works on worktrees.
import { runProgram, type ProgramResult, type ProgramRunner } from './program.js';

export type GitResult = ProgramResult;

/**
 * How git runs: the environment it starts from, and where its processes run (the
 * worker runs it, with the hooks it starts, as a recorded step of the task).
 */
export interface GitContext {
  env?: NodeJS.ProcessEnv;
  runner?: ProgramRunner;
}

/** A quiet, non-interactive git: no pager, no prompt for credentials, no editor. */
const QUIET_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_EDITOR: 'true', LC_ALL: 'C' };

/**
 * A git that has not answered in this long is stuck (a lock, a hook, a hung filesystem),
 * not busy: stopped, and its caller told so. Making a worktree, measuring or showing a
 * diff and committing what was left may take long on a big repository; the rest is quick.
 */
export const GIT_TIMEOUT_MS = 5 * 60_000;
export const GIT_LONG_TIMEOUT_MS = 60 * 60_000;

/**
 * Runs git in `cwd`; never throws for a non-zero exit (the caller turns stderr into
 * words). `indexFile` points it at another index (GIT_INDEX_FILE).
 */
export function git(
  cwd: string,
  args: string[],
  opts: GitContext & { indexFile?: string; label?: string; timeoutMs?: number } = {},
): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...QUIET_ENV };
  // Set by a git hook or alias that ran us, they would point every command at another repo.
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_INDEX_FILE']) delete env[name];
  if (opts.indexFile) env.GIT_INDEX_FILE = opts.indexFile;
  return runProgram(['git', ...args], { cwd, env, runner: opts.runner, label: opts.label, timeoutMs: opts.timeoutMs ?? GIT_TIMEOUT_MS });
}

/** The first line of git's complaint, without its `fatal: ` prefix (or why git did not run to its end). */
export function gitReason(r: GitResult): string {
  if (r.failure) return r.failure.message;
  const first = r.stderr.split('\n').find((l) => l.trim() !== '');
  const line = (first ?? (r.signal ? `git was stopped (${r.signal})` : `git exited with code ${r.code}`))
    .replace(/^(fatal|error): /, '')
    .trim();
  // Git names the file it could not write first, and why only further down.
  return /No space left on device/i.test(r.stderr) && !/No space left/i.test(line) ? `${line} (the disk is full)` : line;
}
