// A copy of a task's log for a program the user reads it in ($PAGER, $EDITOR): without
// its marker lines (as `logs` prints it), in a private folder, read-only, removed when
// the program is done. The log itself stays what the command wrote, and no editor
// writes to it while the worker appends.
import { chmodSync, closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MarkerScanner } from '../core/markers.js';
import { openRead } from './log-cursor.js';

const CHUNK = 1024 * 1024;

export interface LogCopy {
  path: string;
  /** Removes the copy and its folder. */
  remove(): void;
}

/** Copies the log at `log` (markers left out) to `<tmp>/dev-tools-log-XXXXXX/<name>`, mode 0400; throws ENOENT when there is no log. */
export function copyLogForReading(log: string, name: string): LogCopy {
  const src = openRead(log);
  const dir = mkdtempSync(join(tmpdir(), 'dev-tools-log-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, name);
  try {
    const out = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const scanner = new MarkerScanner();
      const write = (pieces: Buffer[]) => {
        for (const piece of pieces) for (let off = 0; off < piece.length;) off += writeSync(out, piece, off);
      };
      const buf = Buffer.allocUnsafe(CHUNK);
      for (let pos = 0; ;) {
        const got = readSync(src, buf, 0, CHUNK, pos);
        if (got === 0) break;
        pos += got;
        write(scanner.feed(buf.subarray(0, got)).output);
      }
      write(scanner.end().output);
    } finally {
      closeSync(out);
    }
    chmodSync(path, 0o400);
    return { path, remove };
  } catch (err) {
    remove();
    throw err;
  } finally {
    closeSync(src);
  }
}
