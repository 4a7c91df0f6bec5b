import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { TaskStatus } from '../core/task.js';
import { printable } from '../core/terminal-text.js';
import { parseDuration } from '../core/units.js';
import { warn, writeOut } from './output.js';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove finished tasks and their logs (never running or queued ones)')
    .option('--older-than <duration>', 'only tasks that finished before this long ago (e.g. 30m, 12h, 7d)')
    .option('--failed', 'remove failed and interrupted tasks (by default: completed and cancelled)')
    .option('--all', 'remove every finished task, whatever its status')
    .option('--branches', 'also delete the worktree branches that hold work not merged into their base, those kept by earlier cleans too')
    .addHelpText(
      'after',
      "\nThe worktrees of removed tasks go too, once what a task left uncommitted is committed onto its branch\n(a commit named after the task). A branch is deleted only when it holds nothing beyond its base or is\nmerged into the base's branch; else it is kept, and `dev-tools diff <id>` still shows it (--branches deletes it).\n\nExamples:\n  dev-tools clean\n  dev-tools clean --older-than 7d --all\n  dev-tools clean --all --branches",
    )
    .action(async (opts: { olderThan?: string; failed?: boolean; all?: boolean; branches?: boolean }) => {
      if (opts.failed && opts.all) throw new UsageError('--failed and --all do not go together');
      let cutoff = Infinity;
      if (opts.olderThan !== undefined) {
        const seconds = parseDuration(opts.olderThan);
        if (seconds === null) throw new UsageError(`--older-than takes a duration like 30m, 12h or 7d, not "${opts.olderThan}"`);
        cutoff = Date.now() - seconds * 1000;
      }
      const statuses: TaskStatus[] = opts.all
        ? ['completed', 'cancelled', 'failed', 'interrupted']
        : opts.failed
          ? ['failed', 'interrupted']
          : ['completed', 'cancelled'];
      const [{ openContext }, { cleanTasks, cleanSummary, keptBranchLines }] = await Promise.all([
        import('./context.js'),
        import('../runner/clean.js'),
      ]);
      const { store } = await openContext({ lastValidConfig: true });
      const report = await cleanTasks(store, { statuses, endedBefore: cutoff, branches: opts.branches, sweep: true });
      for (const line of report.warnings) warn(line);
      writeOut(`${cleanSummary(report)}\n`);
      if (report.keptBranches.length) writeOut(keptBranchLines(report.keptBranches));
      for (const line of report.keptTasks) writeOut(`${printable(line)}\n`);
    });
}
