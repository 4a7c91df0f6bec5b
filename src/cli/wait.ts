import type { Command } from 'commander';
import { describeEnd, formatStatus, STATUS_COLORS } from '../core/task-view.js';
import { isFinal, type Task } from '../core/task.js';
import { paint, printJson, writeOut } from './output.js';

export function registerWait(program: Command): void {
  program
    .command('wait')
    .description('block until the tasks have finished; exit 0 only if all completed')
    .argument('<ids...>', 'task ids or unique prefixes')
    .option('--json', 'print the final task objects')
    .addHelpText(
      'after',
      '\nExamples:\n  dev-tools wait mh3k q7zp\n  id=$(dev-tools task ci "Tests" -b --json -- npm test | jq -r .id); dev-tools wait "$id"',
    )
    .action(async (inputs: string[], opts: { json?: boolean }) => {
      const [{ openContext }, { scheduleTicker }, { sleep }] = await Promise.all([
        import('./context.js'),
        import('../runner/scheduler.js'),
        import('../runner/sleep.js'),
      ]);
      const { store, config } = await openContext({ lastValidConfig: true });
      const ids = [...new Set(inputs.map((i) => store.resolveId(i)))];
      const done = new Map<string, Task>();
      const tick = scheduleTicker(store, config);
      for (;;) {
        for (const id of ids) {
          if (done.has(id)) continue;
          const now = store.get(id);
          if (isFinal(now.status)) {
            done.set(id, now);
            if (!opts.json) writeOut(`${now.id} ${paint(STATUS_COLORS[now.status], formatStatus(now.status))}${describe(now)}\n`);
          }
        }
        if (done.size === ids.length) break;
        await tick();
        await sleep(100);
      }
      const finals = ids.map((id) => done.get(id)!);
      if (opts.json) printJson(finals);
      process.exitCode = finals.every((t) => t.status === 'completed') ? 0 : 1;
    });
}

function describe(t: Task): string {
  const end = describeEnd(t);
  return end ? ` (${end})` : '';
}
