import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { formatBytes } from '../core/units.js';
import { endedLine, outputWriter, writeOut } from './output.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("print a task's output (the last lines; -f follows until it ends)")
    .argument('<id>', 'task id or a unique prefix of one')
    .option('-n, --lines <n>', 'how many lines from the end', '50')
    .option('-f, --follow', 'keep printing new output until the task ends')
    .option('--raw', 'on a terminal too, print the bytes as they are (escape sequences included)')
    .addHelpText(
      'after',
      '\nOn a terminal, escape sequences other than colours are dropped (a task cannot clear your screen or set its title);\npiped output, and --raw, is byte for byte. The log of a --tty task is played back as its terminal showed it\n(carriage returns, cursor moves and clears resolved), piped too; --raw gives its bytes.\n\nExamples:\n  dev-tools logs mh3k\n  dev-tools logs -n 200 mh3k\n  dev-tools logs -f mh3k\n  dev-tools logs --raw mh3k > out.txt',
    )
    .action(async (idInput: string, opts: { lines: string; follow?: boolean; raw?: boolean }) => {
      if (!/^\d+$/.test(opts.lines)) throw new UsageError(`--lines takes a whole number, not "${opts.lines}"`);
      const n = Number(opts.lines);
      const [{ openContext }, { tailLines, TAIL_LINE_LIMIT }] = await Promise.all([import('./context.js'), import('../store/logs.js')]);
      const { store, config } = await openContext({ lastValidConfig: true });
      const id = store.resolveId(idInput);
      const task = store.get(id);
      // A terminal's stream (cursor moves, clears, CRLF) reads as the lines it showed; --raw keeps its bytes.
      if (task.tty && !opts.raw) {
        const { printTerminalLog } = await import('./terminal-log.js');
        return printTerminalLog(store, config, id, n, Boolean(opts.follow));
      }
      // Ctrl+C while following only stops following: from before the tail is printed, as a
      // Ctrl+C may come as soon as it shows (on a busy machine, before the next statement).
      let stop = false;
      if (opts.follow)
        process.on('SIGINT', () => {
          stop = true;
        });
      const write = outputWriter(Boolean(opts.raw));
      let offset = 0;
      try {
        const tail = tailLines(store.logPath(id), n, write);
        offset = tail.size;
        if (tail.cut)
          writeOut(`dev-tools: the oldest line printed is longer than ${formatBytes(TAIL_LINE_LIMIT)}: only its end was printed\n`, 2);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (!opts.follow) return write(null);
      const [{ followTask }, { isFinal }] = await Promise.all([import('../runner/follow.js'), import('../core/task.js')]);
      const final = await followTask(store, config, id, {
        offset,
        onData: (d) => write(d),
        onTruncate: () => writeOut('dev-tools: the log was truncated; following from its start\n', 2),
        stopped: () => stop,
      });
      write(null);
      // How it ended, on stderr as `wait` says it (stdout stays the log); not when Ctrl+C stopped following.
      if (final && isFinal(final.status)) writeOut(`${endedLine(final, 2)}\n`, 2);
    });
}
