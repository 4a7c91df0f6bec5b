import { watch, type FSWatcher } from 'node:fs';
import { useEffect, useState } from 'react';
import { readFrom, tailBytes } from '../src/store/logs.js';
import type { TaskStore } from '../src/store/tasks.js';
import { LogLines } from './log-text.js';

export const LOG_TAIL_BYTES = 256 * 1024;

/**
 * The clean lines of a task's log: a bounded tail first, then only the bytes
 * appended since (re-tailed when the file shrank or jumped far ahead).
 */
export function useLogTail(store: TaskStore, id: string | null, coalesceMs = 30): string[] {
  const [lines, setLines] = useState<string[]>([]);

  useEffect(() => {
    setLines([]);
    if (!id) return undefined;
    const path = store.logPath(id);
    const buffer = new LogLines();
    let offset = 0;
    let closed = false;
    let timer: NodeJS.Timeout | null = null;

    const retail = () => {
      buffer.reset();
      try {
        const { data, size } = tailBytes(path, LOG_TAIL_BYTES);
        buffer.push(data);
        offset = size;
      } catch {
        // Not written yet: the worker creates it when the task starts.
        offset = 0;
      }
    };
    const readMore = () => {
      timer = null;
      if (closed) return;
      let changed = false;
      for (;;) {
        const { data, next, truncated } = readFrom(path, offset, LOG_TAIL_BYTES);
        if (truncated || next - offset >= LOG_TAIL_BYTES) {
          retail();
          changed = true;
          break;
        }
        if (data.length === 0) break;
        buffer.push(data);
        offset = next;
        changed = true;
      }
      if (changed) setLines(buffer.snapshot());
    };
    const schedule = () => {
      timer ??= setTimeout(readMore, coalesceMs);
    };

    retail();
    setLines(buffer.snapshot());
    let watcher: FSWatcher | null = null;
    let poll: NodeJS.Timeout | null = null;
    try {
      // One watch on the logs folder: it works before the log file exists.
      watcher = watch(store.paths.logs, (_event, name) => {
        if (name === `${id}.log`) schedule();
      });
      watcher.on('error', () => {
        poll ??= setInterval(schedule, 500);
      });
    } catch {
      poll = setInterval(schedule, 500);
    }
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      watcher?.close();
    };
  }, [store, id, coalesceMs]);

  return lines;
}
