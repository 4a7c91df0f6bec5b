import { useEffect, useState } from 'react';
import { StringDecoder } from 'node:string_decoder';
import { TerminalScreen } from '../src/core/terminal-screen.js';
import { isMarkerLine } from '../src/core/markers.js';
import { formatBytes } from '../src/core/units.js';
import { LogCursor } from '../src/store/log-cursor.js';
import { countLines, paneTail, tailBytes } from '../src/store/logs.js';
import type { TaskStore } from '../src/store/tasks.js';
import { LogLines } from './log-text.js';
import { useStateWatch } from './useStateWatch.js';

const LOG_TAIL_BYTES = 256 * 1024;

interface LogTailView {
  /** Clean lines, oldest first. */
  lines: string[];
  /** What was not loaded, for the first line of the pane (`… 495,000 earlier lines not loaded`); null when nothing. */
  earlier: string | null;
}

/** `… 1,234 earlier lines not loaded`, or the size when counting would mean reading it all. */
function earlierNote(skippedLines: number | null, skippedBytes: number, dropped: number): string | null {
  if (skippedLines === null) return `… ${formatBytes(skippedBytes)} of earlier output not loaded`;
  const n = skippedLines + dropped;
  if (n === 0) return null;
  return `… ${n.toLocaleString('en-US')} earlier line${n === 1 ? '' : 's'} not loaded`;
}

const EMPTY: LogTailView = { lines: [], earlier: null };

/** Lines are only appended (and the oldest let go of); the last one may still be growing. */
function sameView(a: LogTailView, b: LogTailView): boolean {
  const n = a.lines.length;
  return a.earlier === b.earlier && n === b.lines.length && (n === 0 || (a.lines[0] === b.lines[0] && a.lines[n - 1] === b.lines[n - 1]));
}

/**
 * The log of a `--tty` task as its terminal shows it: the tail played back on a screen
 * (cursor moves, clears, a prompt's redraws), then what is appended played on it too.
 */
class TerminalLog {
  private screen = new TerminalScreen();
  private decoder = new StringDecoder('utf8');
  dropped = 0;
  reset(): void {
    this.screen = new TerminalScreen();
    this.decoder = new StringDecoder('utf8');
  }
  /** The tail of the log; returns where it started and the size it was read at. */
  loadTail(path: string, budget: number): { start: number; size: number } {
    const tail = tailBytes(path, budget);
    this.push(tail.data);
    return { start: tail.size - tail.data.length, size: tail.size };
  }
  push(data: Buffer): void {
    this.screen.write(this.decoder.write(data));
  }
  snapshot(): string[] {
    return this.screen.lines().filter((l) => !isMarkerLine(l));
  }
}

/**
 * The clean lines of a task's log: a bounded tail first, then only the bytes
 * appended since (re-tailed when the file shrank or jumped far ahead). `terminal`:
 * the log of a `--tty` task, shown as its terminal's screen shows it.
 */
export function useLogTail(store: TaskStore, id: string | null, coalesceMs = 30, everyMs = 500, terminal = false): LogTailView {
  const [view, setView] = useState<LogTailView>(EMPTY);
  const watch = useStateWatch(store.paths);

  useEffect(() => {
    setView(EMPTY);
    if (!id) return undefined;
    const path = store.logPath(id);
    const buffer = terminal ? new TerminalLog() : new LogLines();
    const cursor = LogCursor.at(path);
    let skippedBytes = 0;
    let skippedLines: number | null = 0;
    let closed = false;
    let timer: NodeJS.Timeout | null = null;

    // Only what shows: a marker line appended (hidden) or an unchanged tail renders nothing.
    const publish = () => {
      const next = { lines: buffer.snapshot(), earlier: earlierNote(skippedLines, skippedBytes, buffer.dropped) };
      setView((prev) => (sameView(prev, next) ? prev : next));
    };
    const retail = () => {
      buffer.reset();
      try {
        if (buffer instanceof TerminalLog) {
          const tail = buffer.loadTail(path, LOG_TAIL_BYTES);
          skippedBytes = tail.start;
          skippedLines = tail.start > 0 ? null : 0;
          cursor.offset = tail.size;
          return;
        }
        // Whole lines back to the budget; a huge line counts as the start the pane shows of it.
        const tail = paneTail(path, LOG_TAIL_BYTES);
        skippedBytes = tail.start;
        skippedLines = tail.start > 0 ? countLines(path, tail.start) : 0;
        for (const line of tail.lines) buffer.pushTailLine(line);
        cursor.offset = tail.size;
      } catch {
        // Not written yet: the worker creates it when the task starts.
        cursor.offset = 0;
        skippedBytes = 0;
        skippedLines = 0;
      }
    };
    const readMore = () => {
      timer = null;
      if (closed) return;
      let changed = false;
      for (;;) {
        const { data, truncated } = cursor.read(LOG_TAIL_BYTES);
        // Shrunk, or grown by more than a tail: start again from a fresh tail.
        if (truncated || data.length >= LOG_TAIL_BYTES) {
          retail();
          changed = true;
          break;
        }
        if (data.length === 0) break;
        buffer.push(data);
        changed = true;
      }
      if (changed) publish();
    };
    // New output shows within `coalesceMs` after a quiet spell, and at most every `everyMs`
    // while it keeps coming: a chatty task costs four frames a second, not one per line.
    let lastRead = 0;
    const schedule = () => {
      timer ??= setTimeout(
        () => {
          lastRead = Date.now();
          readMore();
        },
        Math.max(coalesceMs, lastRead + everyMs - Date.now()),
      );
    };

    retail();
    publish();
    const stop = watch.log(path, schedule);
    // What was written between the tail and the watch being in place.
    schedule();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      stop();
    };
  }, [store, id, coalesceMs, everyMs, watch, terminal]);

  return view;
}
