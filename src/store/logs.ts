// Reading a log from its end (a 1 GB log costs what a small one does). The log keeps
// marker lines (it is byte for byte what the command wrote); what these return hides them.
// Following a log as it grows: log-cursor.ts.
import { closeSync, fstatSync, readSync, statSync } from 'node:fs';
import { isMarkerLine } from '../core/markers.js';
import { openRead } from './log-cursor.js';

const CHUNK = 64 * 1024;
const NEWLINE = Buffer.from('\n');

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

interface LogTail {
  data: Buffer;
  /** The file's size when read; the next read starts here. */
  size: number;
  /** File offset of `data`'s first byte: what comes before was not read. */
  start: number;
  /**
   * When `data` starts inside a line (one line longer than the tail): how many bytes of
   * that line come before it, or null when its start is further back than was looked for.
   */
  lineLead: number | null;
}

const LINE_START_SCAN = 64 * 1024 * 1024;

/**
 * The last `bytes` of a file (for the dashboard's log pane), cut at a line start when
 * there is one; says where it starts, so the reader can say what it left out.
 */
export function tailBytes(path: string, bytes: number): LogTail {
  const fd = openRead(path);
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - from);
    const got = buf.length ? readSync(fd, buf, 0, buf.length, from) : 0;
    let data = buf.subarray(0, got);
    let start = from;
    let lineLead: number | null = 0;
    if (from > 0) {
      const nl = data.indexOf(0x0a);
      if (nl >= 0 && nl < data.length - 1) {
        data = data.subarray(nl + 1);
        start = from + nl + 1;
      } else {
        lineLead = bytesSinceLineStart(fd, from);
      }
    }
    return { data, size: from + got, start, lineLead };
  } finally {
    closeSync(fd);
  }
}

/** Bytes between the last newline before `pos` and `pos`, looking back at most 64 MiB; null past that. */
function bytesSinceLineStart(fd: number, pos: number): number | null {
  const chunk = Buffer.alloc(Math.min(CHUNK * 16, pos));
  let end = pos;
  while (end > 0 && pos - end < LINE_START_SCAN) {
    const len = Math.min(chunk.length, end);
    readSync(fd, chunk, 0, len, end - len);
    const nl = chunk.subarray(0, len).lastIndexOf(0x0a);
    if (nl >= 0) return pos - (end - len + nl + 1);
    end -= len;
  }
  return end === 0 ? pos : null;
}

/**
 * Lines (marker lines left out) in the first `end` bytes of a log, for "… N earlier
 * lines not loaded"; null when that part is larger than `maxBytes` (not worth reading).
 */
export function countLines(path: string, end: number, maxBytes = 4 * 1024 * 1024): number | null {
  if (end > maxBytes) return null;
  const fd = openRead(path);
  try {
    const buf = Buffer.alloc(end);
    const got = end ? readSync(fd, buf, 0, end, 0) : 0;
    let count = 0;
    let from = 0;
    while (from < got) {
      const nl = buf.indexOf(0x0a, from);
      const stop = nl === -1 || nl >= got ? got : nl;
      if (!isMarkerLine(buf.subarray(from, stop))) count++;
      if (nl === -1 || nl >= got) break;
      from = nl + 1;
    }
    return count;
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
