import { describeEnd } from '../core/task-view.js';
import { isFinal } from '../core/task.js';
import { printable } from '../core/terminal-text.js';
import { cancelTask } from '../runner/cancel.js';
import { followTask } from '../runner/follow.js';
import type { Context } from './context.js';
import { outputWriter, statusExitCode } from './output.js';

/**
 * Streams a task's output until it ends and returns the exit code to use.
 * Ctrl+C cancels the task gracefully (a second Ctrl+C leaves without waiting).
 */
export async function runForeground(ctx: Context, id: string): Promise<number> {
  let interrupted = false;
  let cancelling: Promise<unknown> | null = null;
  const onSigint = () => {
    if (interrupted) {
      process.stderr.write('\ndev-tools: leaving; the worker finishes the cancel\n');
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\ndev-tools: cancelling ${id} (Ctrl+C again to leave at once)\n`);
    cancelling = cancelTask(ctx.store, ctx.config, id).catch((err: unknown) => {
      process.stderr.write(`dev-tools: ${printable((err as Error).message)}\n`);
    });
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // On a terminal the task's escape sequences are dropped (colours kept), as `logs` does.
  const write = outputWriter();
  try {
    const final = await followTask(ctx.store, ctx.config, id, {
      offset: 0,
      onData: (d) => write(d),
      onTruncate: () => process.stderr.write('dev-tools: the log was truncated; following from its start\n'),
    });
    write(null);
    if (cancelling) await cancelling;
    if (!final) return 1;
    const task = ctx.store.get(id);
    if (!isFinal(task.status)) return 1;
    if (task.status !== 'completed') {
      process.stderr.write(`dev-tools: task ${id} ${task.status}${describeEnd(task) ? `: ${describeEnd(task)}` : ''}\n`);
    }
    return statusExitCode(task.status, task.exitCode);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
