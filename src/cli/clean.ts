import type { Command } from 'commander';
import { parseDuration } from '../core/units.js';
import { UsageError } from '../core/errors.js';
import { formatBytes } from '../core/units.js';
import { isBroken, type TaskEntry, type TaskStatus } from '../core/task.js';
import { printable } from '../core/terminal-text.js';
import type { StatePaths } from '../store/paths.js';
import { warn, writeOut } from './output.js';

/** A branch this clean kept, and how to get at it. */
interface KeptLine {
  id: string;
  branch: string;
  repo: string;
  committed: number;
}

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
      const [{ openContext }, { fileSize }, { sweepStaleFiles }, kept] = await Promise.all([
        import('./context.js'),
        import('../store/logs.js'),
        import('../runner/maintenance.js'),
        import('../store/kept-branches.js'),
      ]);
      const { store } = await openContext({ lastValidConfig: true });
      // What crashed processes left: temp files that never got their rename, stale launch environments.
      const active = new Map(store.listActive().flatMap((e) => (isBroken(e) ? [] : [[e.id, e] as const])));
      const leftovers = sweepStaleFiles(store, active);
      let count = 0;
      let bytes = 0;
      let worktrees = 0;
      const keptBranches: KeptLine[] = [];
      const keptTasks: string[] = [];
      // Only done/ is touched: a task there is final, so running and queued tasks are safe.
      const left: TaskEntry[] = [];
      for (const entry of store.listDone()) {
        const finished = isBroken(entry) ? NaN : Date.parse(entry.completedAt ?? entry.createdAt);
        if (isBroken(entry) || !statuses.includes(entry.status) || !(finished < cutoff)) {
          left.push(entry);
          continue;
        }
        const size = fileSize(store.donePath(entry.id)) + fileSize(store.logPath(entry.id));
        if (entry.isolation) {
          const { removeWorktree } = await import('../runner/worktree.js');
          const removed = await removeWorktree(store.paths, entry, { branches: opts.branches });
          if (removed.worktreeKept) {
            // Its work could not be saved onto its branch: the task and its worktree stay as they are.
            const path = entry.worktree?.path ?? `${store.paths.worktrees}/${entry.id}`;
            keptTasks.push(`kept task ${entry.id} and its worktree ${path}: ${removed.worktreeKept}`);
            left.push(entry);
            continue;
          }
          if (removed.removed) worktrees++;
          if (removed.branchKept) {
            const branch = entry.worktree?.branch ?? `dev-tools/${entry.id}`;
            try {
              kept.keepBranch(store.paths, entry, entry.isolation, branch);
            } catch (err) {
              warn(`cannot note that branch ${branch} was kept (${(err as Error).message}): delete it by hand once done with it`);
            }
            keptBranches.push({ id: entry.id, branch, repo: entry.isolation.repo, committed: removed.committed });
          }
        }
        bytes += size;
        store.remove(entry.id);
        count++;
      }
      // The index of done/ lists what is left, no more.
      if (count) store.rewriteDoneIndex(left);
      const deletedEarlier = opts.branches ? await deleteKeptEarlier(store.paths, cutoff, kept) : 0;
      const tasks = count ? `removed ${count} task${count === 1 ? '' : 's'} (${formatBytes(bytes)} freed)` : '';
      const files = leftovers ? `removed ${leftovers} file${leftovers === 1 ? '' : 's'} left by crashed processes` : '';
      const trees = worktrees ? `removed ${worktrees} worktree${worktrees === 1 ? '' : 's'}` : '';
      const earlier = deletedEarlier ? `deleted ${deletedEarlier} branch${deletedEarlier === 1 ? '' : 'es'} kept by earlier cleans` : '';
      writeOut(`${[tasks, trees, earlier, files].filter(Boolean).join('; ') || 'nothing to clean'}\n`);
      if (keptBranches.length) writeOut(keptBranchLines(keptBranches));
      for (const line of keptTasks) writeOut(`${printable(line)}\n`);
    });
}

/** What this clean kept, each with how to see it and take it. */
function keptBranchLines(kept: KeptLine[]): string {
  const n = kept.length;
  const head = `kept ${n} branch${n === 1 ? '' : 'es'} with work not merged into ${n === 1 ? 'its' : 'their'} base (dev-tools clean --branches deletes ${n === 1 ? 'it' : 'them'}):`;
  const shown = kept.slice(0, 10).map((k) => {
    const saved = k.committed
      ? ` (the ${k.committed} uncommitted file${k.committed === 1 ? '' : 's'} its task left, committed onto it)`
      : '';
    return `  ${k.branch} in ${printable(k.repo)}${saved}: see it with dev-tools diff ${k.id}, take it with git switch ${k.branch}`;
  });
  if (n > 10) shown.push(`  and ${n - 10} more`);
  return `${[head, ...shown].join('\n')}\n`;
}

/** `--branches`: the branches earlier cleans kept (their tasks are gone); returns how many were deleted. */
async function deleteKeptEarlier(paths: StatePaths, cutoff: number, kept: typeof import('../store/kept-branches.js')): Promise<number> {
  const ids = kept.keptBranchIds(paths);
  if (ids.length === 0) return 0;
  const { deleteKeptBranch } = await import('../runner/worktree.js');
  let deleted = 0;
  for (const id of ids) {
    const rec = kept.readKeptBranch(paths, id);
    if (!rec) continue;
    const ended = Date.parse(rec.completedAt ?? rec.keptAt);
    if (cutoff !== Infinity && !(ended < cutoff)) continue;
    const outcome = await deleteKeptBranch(paths, rec.repo, rec.branch);
    if (outcome === 'failed') {
      warn(`cannot delete branch ${rec.branch} in ${rec.repo}; it stays`);
      continue;
    }
    kept.forgetKeptBranch(paths, id);
    if (outcome === 'deleted') deleted++;
  }
  return deleted;
}
