import { MarkerScanner } from '../core/progress.js';
import { isBroken, isFinal, type Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import { READ_MAX, readFrom } from '../store/logs.js';
import type { TaskStore } from '../store/tasks.js';
import { scheduleTicker } from './scheduler.js';
import { sleep } from './sleep.js';

export interface FollowOptions {
  /** Byte offset in the log to start from. */
  offset: number;
  onData: (data: Buffer) => void;
  onTruncate?: () => void;
  /** Stop early (e.g. Ctrl+C). */
  stopped?: () => boolean;
  intervalMs?: number;
}

/**
 * Streams a task's log as it grows until the task is final, then the rest of it.
 * While waiting it runs the scheduler each second, so a queued task starts even
 * when no worker is left to start it.
 */
export async function followTask(store: TaskStore, config: Config, id: string, opts: FollowOptions): Promise<Task | null> {
  const interval = opts.intervalMs ?? 100;
  const logPath = store.logPath(id);
  let offset = opts.offset;
  // The log keeps marker lines; what a follower prints leaves them out.
  let scanner = new MarkerScanner();
  const emit = (data: Buffer) => {
    for (const out of scanner.feed(data).output) opts.onData(out);
  };
  const tick = scheduleTicker(store, config);
  const drain = () => {
    for (;;) {
      const r = readFrom(logPath, offset);
      if (r.truncated) {
        offset = 0;
        scanner = new MarkerScanner();
        opts.onTruncate?.();
        continue;
      }
      if (r.data.length) emit(r.data);
      offset = r.next;
      if (r.data.length < READ_MAX) return; // caught up; a full read means there may be more
    }
  };
  for (;;) {
    drain();
    const entry = store.read(id);
    if (!entry || isBroken(entry)) return null;
    if (isFinal(entry.status)) {
      drain();
      for (const out of scanner.end().output) opts.onData(out);
      return entry;
    }
    if (opts.stopped?.()) return entry;
    await tick();
    await sleep(interval);
  }
}
