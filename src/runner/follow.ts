import { MarkerScanner } from '../core/markers.js';
import { isBroken, isFinal, type Task } from '../core/task.js';
import type { Config } from '../store/config.js';
import { LogCursor, READ_MAX } from '../store/log-cursor.js';
import type { TaskStore } from '../store/tasks.js';
import { scheduleTicker } from './scheduler.js';
import { sleep } from './sleep.js';

interface FollowOptions {
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
  const cursor = LogCursor.at(store.logPath(id), opts.offset);
  // The log keeps marker lines; what a follower prints leaves them out.
  let scanner = new MarkerScanner();
  const emit = (data: Buffer) => {
    for (const out of scanner.feed(data).output) opts.onData(out);
  };
  const tick = scheduleTicker(store, config);
  const drain = () => {
    for (;;) {
      const r = cursor.read();
      if (r.truncated) {
        scanner = new MarkerScanner();
        opts.onTruncate?.();
      }
      if (r.data.length) emit(r.data);
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
