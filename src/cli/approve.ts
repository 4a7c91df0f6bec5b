import type { Command } from 'commander';
import { printable } from '../core/terminal-text.js';
import { writeOut } from './output.js';

export function registerApprove(program: Command): void {
  program
    .command('approve')
    .description('let a task waiting at a gate (a stage with "approve": true) run on; it queues for a slot in its old place')
    .argument('<id>', 'task id or a unique prefix of one')
    .addHelpText('after', '\nExamples:\n  dev-tools logs mh3k        # read the plan first\n  dev-tools approve mh3k')
    .action(async (idInput: string) => {
      const [{ openContext }, { approveTask }] = await Promise.all([import('./context.js'), import('../runner/approval.js')]);
      const ctx = await openContext({ lastValidConfig: true });
      const { message } = await approveTask(ctx.store, ctx.config, ctx.store.resolveId(idInput));
      writeOut(`${printable(message)}\n`);
    });
}
