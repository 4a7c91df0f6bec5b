// The queue's options, shared by `task` and `restart`: --after, --priority, --timeout, --retries.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { MAX_RETRIES } from '../core/queue.js';
import { parseDuration } from '../core/units.js';
import type { QueueSpec } from '../runner/launch.js';

export interface QueueOptions {
  after: string[];
  priority?: string;
  timeout?: string;
  retries?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function addQueueOptions(cmd: Command): Command {
  return cmd
    .option('--after <ids>', 'start only once these tasks completed (repeatable, or a comma list; fails if one does not)', collect, [])
    .option('--priority <n>', 'higher starts first among queued tasks (default 0; ties in launch order)')
    .option('--timeout <duration>', 'stop an attempt that runs longer (90s, 10m, 2h) and fail the task')
    .option('--retries <n>', 'run a failed attempt again, up to n more times');
}

/** An integer as typed (`-3`, `10`), or a usage error naming the option. */
export function parseInteger(option: string, text: string, min: number, max: number): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

export function queueSpec(opts: QueueOptions): QueueSpec {
  const spec: QueueSpec = {};
  if (opts.after.length) spec.after = opts.after;
  if (opts.priority !== undefined) spec.priority = parseInteger('--priority', opts.priority, -1_000_000, 1_000_000);
  if (opts.timeout !== undefined) {
    const seconds = parseDuration(opts.timeout);
    if (seconds === null || seconds <= 0)
      throw new UsageError(`--timeout must be a duration such as 90s, 10m or 2h, not ${JSON.stringify(opts.timeout.slice(0, 40))}`);
    spec.timeout = seconds;
  }
  if (opts.retries !== undefined) spec.retries = parseInteger('--retries', opts.retries, 0, MAX_RETRIES);
  return spec;
}
