import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { printable } from '../core/terminal-text.js';
import { writeOut } from './output.js';

export function registerReject(program: Command): void {
  program
    .command('reject')
    .description('end a task waiting at a gate: cancelled, the reason in its error; the stages after the gate never run')
    .argument('<id>', 'task id or a unique prefix of one')
    .option('--reason <text>', 'why (kept in the task\'s "error": rejected: <text>)')
    .addHelpText('after', '\nExamples:\n  dev-tools reject mh3k --reason "the plan rewrites the auth module"')
    .action(async (idInput: string, opts: { reason?: string }) => {
      const reason = opts.reason?.trim() ?? null;
      if (opts.reason !== undefined && (!reason || reason.includes('\0'))) throw new UsageError('--reason needs some text (no NUL)');
      const [{ openContext }, { rejectTask }] = await Promise.all([import('./context.js'), import('../runner/approval.js')]);
      const ctx = await openContext({ lastValidConfig: true });
      const { message } = await rejectTask(ctx.store, ctx.config, ctx.store.resolveId(idInput), reason);
      writeOut(`${printable(message)}\n`);
    });
}
