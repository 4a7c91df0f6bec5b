import type { Command } from 'commander';
import { TaskError, UsageError } from '../core/errors.js';
import { printable } from '../core/terminal-text.js';
import { colorEnabled, writeOut } from './output.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .description('stop a task and its whole process tree (TERM, grace, KILL); without an id, pick one')
    .argument('[id]', 'task id or a unique prefix of one')
    .option('--all', 'cancel every running and queued task')
    .option('-p, --project <project>', "cancel this project's running and queued tasks")
    .addHelpText(
      'after',
      '\nExamples:\n  dev-tools cancel mh3k\n  dev-tools cancel --project web\n  dev-tools cancel          # interactive picker in a terminal',
    )
    .action(async (idInput: string | undefined, opts: { all?: boolean; project?: string }) => {
      if (idInput !== undefined && (opts.all || opts.project)) throw new UsageError('give an id, or --all / --project, not both');
      const [{ openContext, projectKnown, unknownProject }, { cancellable, cancelTask, cancelTasks }] = await Promise.all([
        import('./context.js'),
        import('../runner/cancel.js'),
      ]);
      const ctx = await openContext({ lastValidConfig: true });
      let ids: string[];
      if (idInput !== undefined) ids = [ctx.store.resolveId(idInput)];
      else if (opts.all || opts.project) ids = cancellable(ctx.store, opts.project).map((t) => t.id);
      else {
        if (!process.stdin.isTTY || !process.stdout.isTTY) {
          throw new UsageError('cancel needs a task id when not run in a terminal (or --all / --project <p>)');
        }
        const tasks = cancellable(ctx.store);
        if (tasks.length === 0) throw new TaskError('no running or queued task to cancel');
        const { loadPicker } = await import('./load-ui.js');
        const picked = await (await loadPicker()).runPicker(tasks, 'Cancel which task?', colorEnabled());
        if (!picked) return;
        ids = [picked];
      }
      if (ids.length === 0) {
        // A typo and an idle project read differently.
        if (opts.project)
          throw new TaskError(
            projectKnown(ctx, opts.project)
              ? `project ${JSON.stringify(opts.project)} has no running or queued task`
              : unknownProject(opts.project),
          );
        writeOut('No running or queued task\n');
        return;
      }
      if (ids.length === 1) {
        writeOut(`${printable((await cancelTask(ctx.store, ctx.config, ids[0]!)).message)}\n`);
        return;
      }
      let failed = 0;
      for (const r of await cancelTasks(ctx.store, ctx.config, ids)) {
        if (r.ok) writeOut(`${printable(r.message)}\n`);
        else if (!r.alreadyEnded) {
          failed++;
          writeOut(`dev-tools: ${printable(r.error.message)}\n`, 2);
        }
      }
      if (failed) process.exitCode = 1;
    });
}
