import type { Command } from 'commander';
import { statSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { isFinal } from '../core/task.js';
import { DETACH_BYTE, encodeMessage } from '../core/terminal-protocol.js';
import { printable } from '../core/terminal-text.js';
import type { Context } from './context.js';
import { endedLine, isTerminal, statusExitCode, writeOut } from './output.js';

/** How long an attach whose terminal closed waits for the task's final state (a dead worker is found within seconds). */
const FINAL_WAIT_MS = 30_000;

export function registerAttach(program: Command): void {
  program
    .command('attach')
    .description("connect this terminal to a --tty task's terminal (Ctrl+] detaches; the task goes on)")
    .argument('<id>', 'task id or a unique prefix of one')
    .addHelpText(
      'after',
      `
Several attaches at once all see the output, and all can type. When the task ends (or is
cancelled from another shell) the attach ends with its final status and exit code.

Examples:
  dev-tools attach mh3k
  dev-tools send mh3k y          # without a terminal: type one line`,
    )
    .action(async (idInput: string) => {
      if (!isTerminal(1) || !process.stdin.isTTY) {
        throw new UsageError('attach needs a terminal on stdin and stdout; from a script, use dev-tools send <id> <text>');
      }
      const { openContext } = await import('./context.js');
      const ctx = await openContext({ lastValidConfig: true });
      process.exitCode = await attachTo(ctx, ctx.store.resolveId(idInput));
    });
}

/**
 * This terminal, in raw mode, on the task's: what is typed goes to it (Ctrl+] leaves),
 * its output comes here, and a resize is passed on. Returns the exit code: 0 on a detach,
 * else as the task ended (as a foreground task).
 */
export async function attachTo(ctx: Context, id: string): Promise<number> {
  const [{ connectTerminal }, { followTask }] = await Promise.all([import('../runner/terminal-client.js'), import('../runner/follow.js')]);
  const socket = await connectTerminal(ctx.store, id, 'attach');
  const task = ctx.store.get(id);
  const { stdin, stdout } = process;
  const size = () => encodeMessage({ t: 'resize', cols: stdout.columns || 80, rows: stdout.rows || 24 });
  writeOut(`attached to ${id} (${printable(task.description.split('\n')[0]!).slice(0, 60)}): Ctrl+] detaches\r\n`, 2);
  socket.write(size());
  const onResize = () => socket.write(size());
  stdout.on('resize', onResize);
  stdin.setRawMode(true);
  stdin.resume();
  const detached = await new Promise<boolean>((resolve) => {
    stdin.on('data', (d: Buffer) => {
      const at = d.indexOf(DETACH_BYTE);
      const typed = at >= 0 ? d.subarray(0, at) : d;
      if (typed.length) socket.write(encodeMessage({ t: 'in', d: typed.toString('base64') }));
      if (at >= 0) resolve(true);
    });
    socket.on('data', (d: Buffer) => stdout.write(d));
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
  stdout.off('resize', onResize);
  stdin.setRawMode(false);
  stdin.pause();
  stdin.removeAllListeners('data');
  socket.removeAllListeners('close');
  socket.destroy();
  if (detached) {
    writeOut(`\r\ndetached from ${id}; it goes on (dev-tools attach ${id})\n`, 2);
    return 0;
  }
  // The terminal closed: the task ended (or its worker died; the scheduler finds that out).
  let waited = false;
  const stopAt = Date.now() + FINAL_WAIT_MS;
  const final = await followTask(ctx.store, ctx.config, id, {
    offset: logSize(ctx.store.logPath(id)),
    onData: () => undefined,
    stopped: () => (waited = Date.now() >= stopAt),
  });
  if (!final || !isFinal(final.status) || waited) {
    writeOut(`\r\ndev-tools: task ${id}'s terminal closed, and the task has not ended yet (dev-tools status)\n`, 2);
    return 1;
  }
  writeOut(`\r\n${endedLine(final, 2)}\n`, 2);
  return statusExitCode(final.status, final.exitCode);
}

function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
