// Reading a log from its end (a 1 GB log costs what a small one does). The log keeps
// marker lines (it is byte for byte what the command wrote); what these return hides them.
// Following a log as it grows: log-cursor.ts.
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isMarkerLine, MAX_MARKER_BYTES } from '../core/markers.js';
import { openRead } from './log-cursor.js';
import { ownedByUs } from './paths.js';

const CHUNK = 64 * 1024;
/** A line longer than this shows its end only (as the log pane shows a cut line). */
export const TAIL_LINE_LIMIT = 64 * 1024;
/** What one write of `tailLines` holds at most. */
const WRITE_PIECE = 1024 * 1024;
const NL = 0x0a;

interface TailOfLines {
  /** The file's size when read; following it starts here. */
  size: number;
  /** The oldest line written was longer than `lineLimit`: only its end was written. */
  cut: boolean;
}

/**
 * Writes the last `n` lines of a file, marker lines left out, in pieces to `write`.
 * It reads backwards from the end, scanning each byte once, and stops at the n-th
 * line or at a line longer than `lineLimit` (only its end is written, and `cut` says
 * so), so a 1 GB log costs what a small one does, whatever its line lengths. Raw bytes.
 */
export function tailLines(path: string, n: number, write: (data: Buffer) => void, lineLimit = TAIL_LINE_LIMIT): TailOfLines {
  const fd = openRead(path);
  try {
    const size = fstatSync(fd).size;
    if (n <= 0 || size === 0) return { size, cut: false };
    const { ranges, cut } = findLines(fd, size, n, lineLimit);
    writeRanges(fd, ranges, write);
    return { size, cut };
  } finally {
    closeSync(fd);
  }
}

/** Byte ranges [start, end) of the last `n` lines, each with its newline, oldest first. */
function findLines(fd: number, size: number, n: number, lineLimit: number): { ranges: [number, number][]; cut: boolean } {
  const window = new BackwardWindow(fd);
  const ranges: [number, number][] = []; // newest first
  let end = size;
  // A final newline ends the last line; it does not start an empty one after it.
  let contentEnd = window.byteAt(size - 1) === NL ? size - 1 : size;
  while (ranges.length < n) {
    const floor = Math.max(0, contentEnd - lineLimit - 1);
    const nl = window.lastNewline(contentEnd, floor);
    if (nl === -1 && floor > 0) {
      ranges.push([utf8Start(window, contentEnd - lineLimit, contentEnd), end]);
      return { ranges: ranges.reverse(), cut: true };
    }
    const start = nl + 1;
    if (!isMarker(fd, window, start, contentEnd)) ranges.push([start, end]);
    if (start === 0) break;
    end = start;
    contentEnd = nl;
  }
  return { ranges: ranges.reverse(), cut: false };
}

/** Whether the line [start, end) is a progress marker (read only when it could be one). */
function isMarker(fd: number, window: BackwardWindow, start: number, end: number): boolean {
  const length = end - start;
  if (length < 3 || length > MAX_MARKER_BYTES + 1 || window.byteAt(start) !== 0x3a || window.byteAt(start + 1) !== 0x3a) return false;
  const line = Buffer.allocUnsafe(length);
  readSync(fd, line, 0, length, start);
  return isMarkerLine(line);
}

/** The first character boundary at or after `pos` (a cut line must not start inside a UTF-8 sequence). */
function utf8Start(window: BackwardWindow, pos: number, limit: number): number {
  let p = pos;
  while (p < limit && p < pos + 3 && ((window.byteAt(p) ?? 0) & 0xc0) === 0x80) p++;
  return p;
}

/** Writes the ranges in order, contiguous ones as one read, in pieces of at most WRITE_PIECE. */
function writeRanges(fd: number, ranges: [number, number][], write: (data: Buffer) => void): void {
  for (let i = 0; i < ranges.length;) {
    const start = ranges[i]![0];
    let end = ranges[i]![1];
    for (i++; i < ranges.length && ranges[i]![0] === end; i++) end = ranges[i]![1];
    for (let pos = start; pos < end;) {
      const piece = Buffer.allocUnsafe(Math.min(WRITE_PIECE, end - pos));
      const got = readSync(fd, piece, 0, piece.length, pos);
      if (got === 0) return;
      write(got === piece.length ? piece : piece.subarray(0, got));
      pos += got;
    }
  }
}

/** Reads a file backwards in chunks; each byte is read and searched once. */
class BackwardWindow {
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private length = 0;

  constructor(private readonly fd: number) {}

  /** The byte at `pos`, reading its chunk (the one that ends just after it) when needed. */
  byteAt(pos: number): number | undefined {
    if (pos < 0) return undefined;
    if (pos < this.start || pos >= this.start + this.length) this.load(pos + 1);
    return this.buf[pos - this.start];
  }

  /** Offset of the last newline in [floor, before), or -1. */
  lastNewline(before: number, floor: number): number {
    let limit = before;
    while (limit > floor) {
      if (limit <= this.start || limit > this.start + this.length) this.load(limit);
      const from = Math.max(floor, this.start);
      const at = this.buf.lastIndexOf(NL, limit - this.start - 1);
      if (at >= 0 && this.start + at >= from) return this.start + at;
      limit = from;
    }
    return -1;
  }

  /** Loads the chunk that ends at `end`. */
  private load(end: number): void {
    const start = Math.max(0, end - CHUNK);
    const got = readSync(this.fd, this.buf, 0, end - start, start);
    // A log truncated while it is read: the bytes that went read as no newline.
    if (got < end - start) this.buf.fill(0, got, end - start);
    this.length = end - start;
    this.start = start;
  }
}

/** One line of a pane's tail, as read. */
export interface TailLine {
  /** Its bytes, with its newline when it has one; only the first `lineLimit` bytes of a longer line. */
  data: Buffer;
  /** Bytes of the line after `data` that were not read (a long line shows its start), its newline among them. */
  cut: number;
  /** The line has its newline (else it is still being written). */
  ended: boolean;
  /**
   * Set on a line whose start is further back than was looked for (over 64 MiB): `data` is
   * its end, and this how many bytes of it come before, null when not even that is known.
   */
  lead?: number | null;
}

export interface PaneTail {
  /** The file's size when read; following it starts here. */
  size: number;
  /** File offset where the first line loaded starts: what comes before was not loaded. */
  start: number;
  /** Lines, oldest first. */
  lines: TailLine[];
}

const LINE_START_SCAN = 64 * 1024 * 1024;

/**
 * The end of a log for the dashboard's log pane: whole lines, newest first back to `budget`
 * bytes, a line longer than `lineLimit` counting as its first `lineLimit` bytes (that is what
 * the pane shows of it, with its size): a huge line costs its start, and the lines before it
 * are still loaded. At least one line is loaded; a line's start is looked for `scan` bytes back at most.
 */
export function paneTail(path: string, budget: number, lineLimit = TAIL_LINE_LIMIT, scan = LINE_START_SCAN, maxLines = 5000): PaneTail {
  const fd = openRead(path);
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return { size, start: 0, lines: [] };
    const window = new BackwardWindow(fd);
    const found: { start: number; end: number; length: number; ended: boolean; lead?: number | null }[] = []; // newest first
    let end = size;
    let contentEnd = window.byteAt(size - 1) === NL ? size - 1 : size;
    let used = 0;
    while (end > 0 && found.length < maxLines) {
      const floor = Math.max(0, contentEnd - scan);
      const nl = window.lastNewline(contentEnd, floor);
      if (nl === -1 && floor > 0) {
        // Its start is too far back to look for: its end, as `logs` shows one.
        if (found.length === 0 || used + lineLimit <= budget) {
          const from = utf8Start(window, contentEnd - lineLimit, contentEnd);
          found.push({ start: from, end, length: end - from, ended: end > contentEnd, lead: null });
        }
        break;
      }
      const start = nl + 1;
      const shown = Math.min(contentEnd - start, lineLimit);
      if (found.length > 0 && used + shown > budget) break;
      found.push({ start, end, length: end - start, ended: end > contentEnd });
      used += shown;
      end = start;
      contentEnd = nl;
    }
    found.reverse();
    const lines = found.map(({ start, end: stop, length, ended, lead }): TailLine => {
      const whole = lead !== undefined || length - (ended ? 1 : 0) <= lineLimit;
      const take = whole ? length : lineLimit;
      const data = Buffer.allocUnsafe(take);
      const got = readSync(fd, data, 0, take, start);
      return { data: data.subarray(0, got), cut: stop - start - got, ended, ...(lead === undefined ? {} : { lead }) };
    });
    return { size, start: found[0]?.start ?? size, lines };
  } finally {
    closeSync(fd);
  }
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

/**
 * The bytes [from, to) of a log, at most the last `max` of them (a gate's plan, in the
 * detail view); `skipped` says how many before them were left out.
 */
export function readLogRange(path: string, from: number, to: number, max = 256 * 1024): { data: Buffer; skipped: number } {
  const start = Math.max(from, to - max);
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const data = Buffer.alloc(Math.max(0, to - start));
    const got = data.length ? readSync(fd, data, 0, data.length, start) : 0;
    return { data: data.subarray(0, got), skipped: start - from };
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

/**
 * A task's log, opened for appending (by whoever starts its worker, and by the worker):
 * never through a symbolic link (O_NOFOLLOW), and never a file with a second name (a
 * hard link planted at the log's path would make the output land in its target), a
 * folder or a file of another user.
 */
export function openLogForAppend(path: string, create: 'new' | 'existing-or-new' = 'existing-or-new'): number {
  const flags =
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | (create === 'new' ? constants.O_EXCL : 0);
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST')
      throw Object.assign(new Error(`its log ${path} already exists (not made by dev-tools: remove it)`), { code: e.code });
    if (e.code === 'ELOOP')
      throw Object.assign(new Error(`its log ${path} is a symbolic link (not followed: remove it)`), { code: e.code });
    throw err;
  }
  const st = fstatSync(fd);
  if (!st.isFile() || st.nlink !== 1 || !ownedByUs(st)) {
    closeSync(fd);
    throw Object.assign(
      new Error(`its log ${path} is not a plain file of yours (${st.nlink > 1 ? 'a hard link' : 'foreign'}): remove it`),
      { code: 'EEXIST' },
    );
  }
  return fd;
}

/** The last `max` bytes of a log (all of a smaller one) and its size then; an absent log is empty. */
export function tailBytes(path: string, max: number): { data: Buffer; size: number; cut: boolean } {
  let fd: number;
  try {
    fd = openRead(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: Buffer.alloc(0), size: 0, cut: false };
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const data = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, data, got, len - got, size - len + got);
      if (n === 0) break;
      got += n;
    }
    return { data: data.subarray(0, got), size, cut: len < size };
  } finally {
    closeSync(fd);
  }
}
