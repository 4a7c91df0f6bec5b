// `logs` of a `--tty` task: its terminal's stream played back as the lines it showed
// (core/terminal-screen.ts), for a terminal and a pipe alike.
import { StringDecoder } from 'node:string_decoder';
import { isFinal } from '../core/task.js';
import { renderTerminalStream, TerminalLines } from '../core/terminal-screen.js';
import { printable } from '../core/terminal-text.js';
import type { Config } from '../store/config.js';
import { tailBytes } from '../store/logs.js';
import type { TaskStore } from '../store/tasks.js';
import { endedLine, writeOut } from './output.js';

/** How much of the end of the log is played back for its last lines. */
const PLAYBACK_BYTES = 1024 * 1024;

export async function printTerminalLog(store: TaskStore, config: Config, id: string, n: number, follow: boolean): Promise<void> {
  // Following, Ctrl+C only stops following: from before the playback shows (see logs.ts).
  let stop = false;
  if (follow)
    process.on('SIGINT', () => {
      stop = true;
    });
  const tail = tailBytes(store.logPath(id), PLAYBACK_BYTES);
  const lines = renderTerminalStream(tail.data.toString('utf8'));
  const shown = n === 0 ? [] : lines.slice(-n);
  const print = (ls: string[]) => {
    if (ls.length) writeOut(`${ls.map(printable).join('\n')}\n`);
  };
  print(shown);
  if (!follow) return;
  const { followTask } = await import('../runner/follow.js');
  const decoder = new StringDecoder('utf8');
  const stream = new TerminalLines();
  const final = await followTask(store, config, id, {
    offset: tail.size,
    onData: (d) => print(stream.feed(decoder.write(d))),
    stopped: () => stop,
  });
  print(stream.feed(decoder.end()));
  print(stream.end());
  if (final && isFinal(final.status)) writeOut(`${endedLine(final, 2)}\n`, 2);
}
