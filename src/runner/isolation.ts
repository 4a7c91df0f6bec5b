// At launch: the git repo of an isolated project and the commit its task starts from,
// so a task that waits in the queue starts from what the user had when launching it.
import { TaskError, UsageError } from '../core/errors.js';
import type { Isolation } from '../core/task.js';
import { git, gitReason } from './git.js';

export interface ResolvedIsolation {
  isolation: Isolation;
  /** Files with uncommitted changes (untracked included) in the project: not in the worktree. */
  uncommitted: number;
}

/** The repo, base commit and base branch for a worktree task of the project in `cwd`. */
export async function resolveIsolation(
  project: string,
  cwd: string,
  opts: { base?: string | null; setup?: string[]; copy?: string[] },
): Promise<ResolvedIsolation> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (top.failure) throw new TaskError(`cannot run git for project "${project}": ${top.failure.message}`);
  if (top.code !== 0 || !top.stdout.trim()) {
    throw new UsageError(`project "${project}" runs in a worktree, but ${cwd} is not in a git repository (${gitReason(top)})`);
  }
  const repo = top.stdout.trim();
  const rev = opts.base ?? 'HEAD';
  if (rev.startsWith('-')) throw new UsageError(`--base takes a commit, branch or tag, not ${JSON.stringify(rev)}`);
  const [sha, branch, status] = await Promise.all([
    git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]),
    opts.base ? git(repo, ['rev-parse', '--verify', '--quiet', '--symbolic-full-name', rev]) : git(repo, ['symbolic-ref', '-q', 'HEAD']),
    git(cwd, ['status', '--porcelain', '-z', '--untracked-files=normal']),
  ]);
  if (sha.code !== 0 || !sha.stdout.trim()) {
    throw new UsageError(
      opts.base
        ? `--base ${JSON.stringify(rev)} is not a commit of ${repo}`
        : `project "${project}": the repository ${repo} has no commit yet (a worktree starts from one)`,
    );
  }
  const ref = branch.stdout.trim();
  return {
    isolation: {
      repo,
      base: sha.stdout.trim(),
      baseBranch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
      setup: opts.setup ?? [],
      copy: opts.copy ?? [],
    },
    uncommitted: status.code === 0 ? status.stdout.split('\0').filter((r) => /^.. /.test(r)).length : 0,
  };
}
