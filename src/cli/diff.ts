import type { Command } from 'commander';
import { TaskError } from '../core/errors.js';
import { colorEnabled, isTerminal, paint, writeOut } from './output.js';

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what a worktree task changed against its base (committed, uncommitted and untracked)')
    .argument('<id>', 'task id or a unique prefix of one')
    .option('--stat', 'files and counts only')
    .addHelpText(
      'after',
      '\nOn a terminal the diff goes through $PAGER (default less); piped, it is plain text.\n\nExamples:\n  dev-tools diff mh3k\n  dev-tools diff mh3k --stat\n  dev-tools diff mh3k > mh3k.patch',
    )
    .action(async (idInput: string, opts: { stat?: boolean }) => {
      const [{ openContext }, { diffText, uncommittedFiles }] = await Promise.all([
        import('./context.js'),
        import('../runner/worktree.js'),
      ]);
      const { store } = await openContext();
      const task = store.get(store.resolveId(idInput));
      if (!task.isolation) throw new TaskError(`task ${task.id} did not run in a worktree (its project's isolation is "none")`);
      if (!task.worktree)
        throw new TaskError(`task ${task.id} has no worktree yet (it is ${task.status}${task.error ? `: ${task.error}` : ''})`);
      const tty = isTerminal(1);
      const text = await diffText(task, { stat: opts.stat, color: colorEnabled() });
      const shown = text || `no changes against ${task.worktree.base.slice(0, 12)}\n`;
      if (!(tty && (await (await import('../runner/pager.js')).page(shown)))) writeOut(shown);
      const wt = task.worktree;
      const dirty = await uncommittedFiles(wt);
      const lines = [
        `branch ${wt.branch} (worktree ${wt.path}); to take it: git merge ${wt.branch}${task.isolation.baseBranch ? ` (into ${task.isolation.baseBranch})` : ''}`,
        ...(dirty ? [`${dirty} file${dirty === 1 ? ' is' : 's are'} not committed on the branch yet: commit in ${wt.path} first`] : []),
      ];
      writeOut(`${lines.map((l) => paint('dim', l, 2)).join('\n')}\n`, 2);
    });
}
