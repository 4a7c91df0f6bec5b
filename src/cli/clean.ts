import type { Command } from 'commander';
import { parseDuration } from '../core/units.js';
import { UsageError } from '../core/errors.js';
import { formatBytes } from '../core/units.js';
import { isBroken, type TaskEntry, type TaskStatus } from '../core/task.js';
import { writeOut } from './output.js';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove finished tasks and their logs (never running or queued ones)')
    .option('--older-than <duration>', 'only tasks that finished before this long ago (e.g. 30m, 12h, 7d)')
    .option('--failed', 'remove failed and interrupted tasks (by default: completed and cancelled)')
    .option('--all', 'remove every finished task, whatever its status')
    .option('--branches', "also delete the worktree branches of removed tasks that are not merged into their base's branch")
    .addHelpText(
      'after',
      "\nThe worktrees of removed tasks go too; their branches only once merged into the base's branch (or with --branches).\n\nExamples:\n  dev-tools clean\n  dev-tools clean --older-than 7d --all\n  dev-tools clean --all --branches",
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
      const [{ openContext }, { fileSize }, { sweepStaleFiles }] = await Promise.all([
        import('./context.js'),
        import('../store/logs.js'),
        import('../runner/housekeeping.js'),
      ]);
      const { store } = await openContext();
      // What crashed processes left: temp files that never got their rename, stale launch environments.
      const active = new Map(store.listActive().flatMap((e) => (isBroken(e) ? [] : [[e.id, e] as const])));
      const leftovers = sweepStaleFiles(store, active);
      let count = 0;
      let bytes = 0;
      let worktrees = 0;
      const keptBranches: string[] = [];
      // Only done/ is touched: a task there is final, so running and queued tasks are safe.
      const kept: TaskEntry[] = [];
      for (const entry of store.listDone()) {
        const finished = isBroken(entry) ? NaN : Date.parse(entry.completedAt ?? entry.createdAt);
        if (isBroken(entry) || !statuses.includes(entry.status) || !(finished < cutoff)) {
          kept.push(entry);
          continue;
        }
        bytes += fileSize(store.donePath(entry.id)) + fileSize(store.logPath(entry.id));
        if (entry.isolation) {
          const { removeWorktree } = await import('../runner/worktree.js');
          const removed = await removeWorktree(store.paths, entry, { branches: opts.branches });
          if (removed.removed) worktrees++;
          if (removed.branchKept) keptBranches.push(`dev-tools/${entry.id}`);
        }
        store.remove(entry.id);
        count++;
      }
      // The index of done/ lists what is left, no more.
      if (count) store.rewriteDoneIndex(kept);
      const tasks = count ? `removed ${count} task${count === 1 ? '' : 's'} (${formatBytes(bytes)} freed)` : '';
      const files = leftovers ? `removed ${leftovers} file${leftovers === 1 ? '' : 's'} left by crashed processes` : '';
      const trees = worktrees ? `removed ${worktrees} worktree${worktrees === 1 ? '' : 's'}` : '';
      writeOut(`${[tasks, trees, files].filter(Boolean).join('; ') || 'nothing to clean'}\n`);
      if (keptBranches.length) {
        const n = keptBranches.length;
        const names = n > 3 ? `${keptBranches.slice(0, 3).join(', ')} and ${n - 3} more` : keptBranches.join(', ');
        writeOut(`kept ${n} unmerged branch${n === 1 ? '' : 'es'} (${names}); --branches deletes them\n`);
      }
    });
}
