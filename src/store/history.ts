import { closeSync, writeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Spend } from '../core/task.js';
import type { StatePaths } from './paths.js';

/**
 * Durations (and what they spent) of earlier completed runs, one append-only file per job key
 * (O_APPEND of one short line is atomic, so concurrent workers do not clash).
 */
function historyFile(paths: StatePaths, key: string): string {
  return join(paths.history, `${process.getBuiltinModule('node:crypto').createHash('sha1').update(key).digest('hex').slice(0, 16)}.jsonl`);
}

export function recordDuration(paths: StatePaths, key: string, durationMs: number, spend?: Spend | null): void {
  const cost = spend ? { costUsd: spend.costUsd, tokens: spend.tokens } : {};
  const line = `${JSON.stringify({ durationMs: Math.round(durationMs), ...cost, at: new Date().toISOString() })}\n`;
  const fd = openSync(historyFile(paths, key), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}

/** The most recent durations (oldest first), read from the file's tail. */
export function recentDurations(paths: StatePaths, key: string, max = 5): number[] {
  return recentValues(paths, key, 'durationMs', max);
}

/** What the most recent runs that spent something cost (USD, oldest first). */
export function recentCosts(paths: StatePaths, key: string, max = 5): number[] {
  return recentValues(paths, key, 'costUsd', max).filter((c) => c > 0);
}

function recentValues(paths: StatePaths, key: string, field: 'durationMs' | 'costUsd', max: number): number[] {
  let fd: number;
  try {
    fd = openSync(historyFile(paths, key), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .slice(size > len ? 1 : 0);
    const out: number[] = [];
    for (const line of lines) {
      try {
        const d = (JSON.parse(line) as Record<string, unknown>)[field];
        if (typeof d === 'number' && d >= 0) out.push(d);
      } catch {
        // a partial or foreign line
      }
    }
    return out.slice(-max);
  } finally {
    closeSync(fd);
  }
}
