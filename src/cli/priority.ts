import type { Command } from 'commander';
import { parsePriority } from '../core/queue.js';
import { writeOut } from './output.js';

export function registerPriority(program: Command): void {
  program
    .command('priority')
    .description('change the priority of a queued task (higher starts first)')
    .argument('<id>', 'task id or a unique prefix of one')
    .argument('<n>', 'the new priority (default of every task: 0)')
    .addHelpText('after', '\nExamples:\n  dev-tools priority mh3k 10\n  dev-tools priority mh3k -5')
    .action(async (idInput: string, value: string) => {
      const priority = parsePriority('the priority', value);
      const [{ openContext }, { setPriority }] = await Promise.all([import('./context.js'), import('../runner/queue-control.js')]);
      const ctx = await openContext({ lastValidConfig: true });
      const task = await setPriority(ctx.store, ctx.config, ctx.store.resolveId(idInput), priority);
      writeOut(`priority of ${task.id} is ${priority}\n`);
    });
}
