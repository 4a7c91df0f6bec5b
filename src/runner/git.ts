// Git, run as a helper tool through runner/program.ts: loaded only by what works on worktrees.
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
 * Runs git in `cwd`; never throws for a non-zero exit (the caller turns stderr into
 * words). `indexFile` points it at another index (GIT_INDEX_FILE).
 */
export function git(cwd: string, args: string[], opts: GitContext & { indexFile?: string; label?: string } = {}): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...QUIET_ENV };
  // Set by a git hook or alias that ran us, they would point every command at another repo.
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_INDEX_FILE']) delete env[name];
  if (opts.indexFile) env.GIT_INDEX_FILE = opts.indexFile;
  return runProgram(['git', ...args], { cwd, env, runner: opts.runner, label: opts.label });
}

/** The first line of git's complaint, without its `fatal: ` prefix. */
export function gitReason(r: GitResult): string {
  const first = r.stderr.split('\n').find((l) => l.trim() !== '');
  const line = (first ?? (r.signal ? `git was stopped (${r.signal})` : `git exited with code ${r.code}`))
    .replace(/^(fatal|error): /, '')
    .trim();
  // Git names the file it could not write first, and why only further down.
  return /No space left on device/i.test(r.stderr) && !/No space left/i.test(line) ? `${line} (the disk is full)` : line;
}
