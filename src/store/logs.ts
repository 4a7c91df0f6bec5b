import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

const CHUNK = 64 * 1024;

function openRead(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}

/**
 * The last `n` lines of a file, read backwards from the end in chunks, so a 1 GB
 * log costs what a small one does. Returns raw bytes; the caller decides how to show them.
 */
export function tailLines(path: string, n: number, maxBytes = 8 * 1024 * 1024): { data: Buffer; size: number } {
  const fd = openRead(path);
  try {
    const size = fstatSync(fd).size;
    if (n <= 0 || size === 0) return { data: Buffer.alloc(0), size };
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    let collected = 0;
    let start = -1;
    // A final newline ends the last line; it does not start a new one.
    let skipLast = true;
    while (pos > 0 && start < 0 && collected < maxBytes) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, pos);
      for (let i = len - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (skipLast && pos + i === size - 1) continue;
        newlines++;
        if (newlines === n) {
          start = pos + i + 1;
          break;
        }
      }
      skipLast = false;
      chunks.unshift(buf);
      collected += len;
    }
    const all = Buffer.concat(chunks);
    const from = start < 0 ? Math.max(0, all.length - maxBytes) : start - pos;
    return { data: all.subarray(from), size };
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
export function readFrom(path: string, offset: number, max = 4 * 1024 * 1024): { data: Buffer; next: number; truncated: boolean } {
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
