import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { parseMarker } from '../core/progress.js';

const CHUNK = 64 * 1024;
const NEWLINE = Buffer.from('\n');

function openRead(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}

/** Marker lines stay in the log file (it is byte for byte what the command wrote); readers hide them. */
export function isMarkerLine(line: Buffer): boolean {
  return line.length > 2 && line[0] === 0x3a && line[1] === 0x3a && parseMarker(line.toString('utf8')) !== null;
}

/**
 * The last `n` lines of a file, marker lines left out, read backwards from the end
 * in chunks, so a 1 GB log costs what a small one does. Returns raw bytes.
 */
export function tailLines(path: string, n: number, maxBytes = 8 * 1024 * 1024): { data: Buffer; size: number } {
  const fd = openRead(path);
  try {
    const size = fstatSync(fd).size;
    if (n <= 0 || size === 0) return { data: Buffer.alloc(0), size };
    const kept: Buffer[] = []; // newest first
    let pos = size;
    let carry = Buffer.alloc(0); // the start of the oldest line seen so far, maybe incomplete
    let scanned = 0;
    let endsWithNewline = false;
    while (pos > 0 && kept.length < n && scanned < maxBytes) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const chunk = Buffer.alloc(len);
      readSync(fd, chunk, 0, len, pos);
      scanned += len;
      let data = carry.length ? Buffer.concat([chunk, carry]) : chunk;
      if (pos + len === size && data[data.length - 1] === 0x0a) {
        // A final newline ends the last line; it does not start a new one.
        endsWithNewline = true;
        data = data.subarray(0, data.length - 1);
      }
      let end = data.length;
      for (let i = end - 1; i >= 0 && kept.length < n; i--) {
        if (data[i] !== 0x0a) continue;
        const line = data.subarray(i + 1, end);
        if (!isMarkerLine(line)) kept.push(line);
        end = i;
      }
      carry = Buffer.from(data.subarray(0, end));
    }
    if (kept.length < n && (pos === 0 || scanned >= maxBytes) && carry.length && !isMarkerLine(carry)) kept.push(carry);
    const lines = kept.reverse();
    const joined = Buffer.concat(lines.flatMap((l, i) => (i < lines.length - 1 ? [l, NEWLINE] : [l])));
    return { data: endsWithNewline && lines.length ? Buffer.concat([joined, NEWLINE]) : joined, size };
  } finally {
    closeSync(fd);
  }
}

/** The last `bytes` of a file (for the dashboard's log pane), cut at a line start when possible. */
export function tailBytes(path: string, bytes: number): { data: Buffer; size: number } {
  const fd = openRead(path);
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - from);
    const got = buf.length ? readSync(fd, buf, 0, buf.length, from) : 0;
    let data = buf.subarray(0, got);
    if (from > 0) {
      const nl = data.indexOf(0x0a);
      if (nl >= 0 && nl < data.length - 1) data = data.subarray(nl + 1);
    }
    return { data, size: from + got };
  } finally {
    closeSync(fd);
  }
}

/** Bytes from `offset` up to the current end (at most `max`); `truncated` when the file shrank. */
/** The most `readFrom` returns in one call by default. */
export const READ_MAX = 4 * 1024 * 1024;

export function readFrom(path: string, offset: number, max = READ_MAX): { data: Buffer; next: number; truncated: boolean } {
  let fd: number;
  try {
    fd = openRead(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: Buffer.alloc(0), next: 0, truncated: offset > 0 };
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < offset) return { data: Buffer.alloc(0), next: 0, truncated: true };
    const len = Math.min(max, size - offset);
    const buf = Buffer.alloc(len);
    const got = len ? readSync(fd, buf, 0, len, offset) : 0;
    return { data: buf.subarray(0, got), next: offset + got, truncated: false };
  } finally {
    closeSync(fd);
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
