import { closeSync, writeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { StatePaths } from './paths.js';

/**
 * Durations of earlier completed runs, one append-only file per job key
 * (O_APPEND of one short line is atomic, so concurrent workers do not clash).
 */
function historyFile(paths: StatePaths, key: string): string {
  return join(paths.history, `${process.getBuiltinModule('node:crypto').createHash('sha1').update(key).digest('hex').slice(0, 16)}.jsonl`);
}

export function recordDuration(paths: StatePaths, key: string, durationMs: number): void {
  const line = `${JSON.stringify({ durationMs: Math.round(durationMs), at: new Date().toISOString() })}\n`;
  const fd = openSync(historyFile(paths, key), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, line);
  } finally {
    closeSync(fd);
  }
}

/** The most recent durations (oldest first), read from the file's tail. */
export function recentDurations(paths: StatePaths, key: string, max = 5): number[] {
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
        const d = (JSON.parse(line) as { durationMs?: unknown }).durationMs;
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
