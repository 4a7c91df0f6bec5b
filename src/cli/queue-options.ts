// The queue's options, shared by `task` and `restart`: --after, --priority, --timeout, --retries.
import type { Command } from 'commander';
import { queueSpecOf, type QueueSpec } from '../core/queue.js';

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

export function queueSpec(opts: QueueOptions): QueueSpec {
  return queueSpecOf(opts);
}
