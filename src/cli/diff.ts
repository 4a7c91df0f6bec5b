import type { Command } from 'commander';
import { resolveIdPrefix } from '../core/ids.js';
import { TaskError } from '../core/errors.js';
import type { Task } from '../core/task.js';
import type { DiffSource } from '../runner/worktree.js';
import type { TaskStore } from '../store/tasks.js';
import { colorEnabled, isTerminal, paint, terminalSafe, writeOut } from './output.js';

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what a worktree task changed against its base (committed, uncommitted and untracked)')
    .argument('<id>', 'task id or a unique prefix of one (also of a task `clean` removed, whose branch it kept)')
    .option('--stat', 'files and counts only')
    .addHelpText(
      'after',
      '\nOn a terminal the diff goes through $PAGER (default less); piped, it is plain text.\n\nExamples:\n  dev-tools diff mh3k\n  dev-tools diff mh3k --stat\n  dev-tools diff mh3k > mh3k.patch',
    )
    .action(async (idInput: string, opts: { stat?: boolean }) => {
      const [{ openContext }, { diffSourceOf, diffText, uncommittedFiles }] = await Promise.all([
        import('./context.js'),
        import('../runner/worktree.js'),
      ]);
      const { store } = await openContext({ lastValidConfig: true });
      const found = await findSource(store, idInput);
      let src: DiffSource;
      let baseBranch: string | null;
      if ('kept' in found) {
        src = found.kept;
        baseBranch = found.baseBranch;
      } else {
        const task = found.task;
        if (!task.isolation) throw new TaskError(`task ${task.id} did not run in a worktree (its project's isolation is "none")`);
        if (!task.worktree)
          throw new TaskError(`task ${task.id} has no worktree yet (it is ${task.status}${task.error ? `: ${task.error}` : ''})`);
        src = diffSourceOf(task);
        baseBranch = task.isolation.baseBranch;
      }
      const tty = isTerminal(1);
      const text = await diffText(src, { stat: opts.stat, color: colorEnabled() });
      // The files' own escape sequences never reach the terminal (a pager may pass them on raw).
      const shown = terminalSafe(text) || `no changes against ${src.base.slice(0, 12)}\n`;
      if (!(tty && (await (await import('../runner/pager.js')).page(shown)))) writeOut(shown);
      const dirty = src.path ? await uncommittedFiles({ path: src.path }) : 0;
      const where = src.path ? `worktree ${src.path}` : `in ${src.repo}; its task was cleaned`;
      const lines = [
        `branch ${src.branch} (${where}); to take it: git merge ${src.branch}${baseBranch ? ` (into ${baseBranch})` : ''}`,
        ...(dirty ? [`${dirty} file${dirty === 1 ? ' is' : 's are'} not committed on the branch yet: commit in ${src.path} first`] : []),
      ];
      writeOut(`${lines.map((l) => paint('dim', l, 2)).join('\n')}\n`, 2);
    });
}

/** The task, or the branch `clean` kept when it removed it (the task is gone, its work is not). */
async function findSource(store: TaskStore, input: string): Promise<{ task: Task } | { kept: DiffSource; baseBranch: string | null }> {
  try {
    return { task: store.get(store.resolveId(input)) };
  } catch (err) {
    if (!(err instanceof TaskError) || !/^no task matches/.test(err.message)) throw err;
    const { keptBranchIds, readKeptBranch } = await import('../store/kept-branches.js');
    const ids = keptBranchIds(store.paths);
    let id: string;
    try {
      id = resolveIdPrefix(input, ids);
    } catch {
      throw err;
    }
    const rec = readKeptBranch(store.paths, id);
    if (!rec) throw err;
    return { kept: { id: rec.id, repo: rec.repo, base: rec.base, branch: rec.branch, path: null }, baseBranch: rec.baseBranch };
  }
}
