import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { isFinal, taskToJson, type Task } from '../core/task.js';
import { endedLine, printJson, writeOut } from './output.js';

export function registerWait(program: Command): void {
  program
    .command('wait')
    .description('block until the tasks have finished; exit 0 only if all completed (a task waiting for approval has not finished)')
    // Optional for commander, so that none given is said in dev-tools' words.
    .argument('[ids...]', 'task ids or unique prefixes')
    .option('--json', 'print the final task objects')
    .option('--until-waiting', 'return as soon as each task waits for approval (or has finished); exit 0 if all wait or completed')
    .addHelpText(
      'after',
      '\nExamples:\n  dev-tools wait mh3k q7zp\n  id=$(dev-tools task ci "Tests" -b --json -- npm test | jq -r .id); dev-tools wait "$id"\n  dev-tools wait --until-waiting mh3k && dev-tools logs mh3k   # the plan, once it waits at its gate',
    )
    .action(async (inputs: string[], opts: { json?: boolean; untilWaiting?: boolean }) => {
      if (inputs.length === 0) throw new UsageError('wait needs the ids of the tasks to wait for (dev-tools wait mh3k q7zp)');
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
          if (isFinal(now.status) || (opts.untilWaiting && now.status === 'waiting')) {
            done.set(id, now);
            if (!opts.json) writeOut(`${endedLine(now)}\n`);
          }
        }
        if (done.size === ids.length) break;
        await tick();
        await sleep(100);
      }
      const finals = ids.map((id) => done.get(id)!);
      if (opts.json) printJson(finals.map((t) => taskToJson(t)));
      const ok = (t: Task) => t.status === 'completed' || (opts.untilWaiting && t.status === 'waiting');
      process.exitCode = finals.every(ok) ? 0 : 1;
    });
}
