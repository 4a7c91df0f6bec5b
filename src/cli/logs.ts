import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a task's output (the last lines; -f follows until it ends)")
    .argument('<id>', 'task id or a unique prefix of one')
    .option('-n, --lines <n>', 'how many lines from the end', '50')
    .option('-f, --follow', 'keep printing new output until the task ends')
    .addHelpText('after', '\nExamples:\n  dev-tools logs mh3k\n  dev-tools logs -n 200 mh3k\n  dev-tools logs -f mh3k')
    .action(async (idInput: string, opts: { lines: string; follow?: boolean }) => {
      if (!/^\d+$/.test(opts.lines)) throw new UsageError(`--lines takes a whole number, not "${opts.lines}"`);
      const n = Number(opts.lines);
      const [{ openContext }, { tailLines }] = await Promise.all([import('./context.js'), import('../store/logs.js')]);
      const { store, config } = await openContext();
      const id = store.resolveId(idInput);
      store.get(id);
      let offset = 0;
      try {
        const tail = tailLines(store.logPath(id), n);
        if (tail.data.length) process.stdout.write(tail.data);
        offset = tail.size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (!opts.follow) return;
      let stop = false;
      // Ctrl+C while following only stops following.
      process.on('SIGINT', () => {
        stop = true;
      });
      const { followTask } = await import('../runner/follow.js');
      await followTask(store, config, id, {
        offset,
        onData: (d) => process.stdout.write(d),
        onTruncate: () => process.stderr.write('dev-tools: the log was truncated; following from its start\n'),
        stopped: () => stop,
      });
    });
}
