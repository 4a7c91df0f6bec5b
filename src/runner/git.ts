// Git, run as a helper tool: node:child_process, loaded only by what works on worktrees.
import { execFile } from 'node:child_process';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A quiet, non-interactive git: no pager, no prompt for credentials, no editor. */
const QUIET_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', GIT_EDITOR: 'true', LC_ALL: 'C' };

/** Runs git in `cwd`; never throws for a non-zero exit (the caller turns stderr into words). */
export function git(cwd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ...QUIET_ENV };
  // Set by a git hook or alias that ran us, they would point every command at another repo.
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', ...(opts.env ? [] : ['GIT_INDEX_FILE'])]) delete env[name];
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && typeof e.code === 'string') {
        // git itself could not run (not installed, cwd gone).
        const why = e.code === 'ENOENT' ? 'git is not installed (or the directory is gone)' : e.code;
        resolve({ code: -1, stdout: '', stderr: why });
        return;
      }
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The first line of git's complaint, without its `fatal: ` prefix. */
export function gitReason(r: GitResult): string {
  const line = (r.stderr.split('\n').find((l) => l.trim() !== '') ?? `git exited with code ${r.code}`)
    .replace(/^(fatal|error): /, '')
    .trim();
  // Git names the file it could not write first, and why only further down.
  return /No space left on device/i.test(r.stderr) && !/No space left/i.test(line) ? `${line} (the disk is full)` : line;
}
