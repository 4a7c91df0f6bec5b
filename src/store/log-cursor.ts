import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MarkerScanner, type Marker } from '../core/markers.js';

/** The most `read` returns in one call by default. */
export const READ_MAX = 4 * 1024 * 1024;

interface CursorRead {
  /** Bytes read (into the caller's buffer, or in `data`). */
  bytes: number;
  /** The log shrank below the cursor (truncated, or deleted): reading went back to its start. */
  truncated: boolean;
}

/**
 * A reader of a log as it grows: each read returns what was appended since the last,
 * in bounded pieces. One for every follower: the worker (for the markers), `logs -f`
 * and a foreground task (for the output), the dashboard's log pane (after its tail).
 *
 * A `pinned` cursor keeps the file open (the worker reads the log its command writes,
 * whatever happens to the name); an unpinned one opens the path on each read, so a
 * log deleted or replaced meanwhile is seen as such.
 */
export class LogCursor {
  private fd: number | null = null;

  private constructor(
    readonly path: string,
    public offset: number,
    private readonly pinned: boolean,
  ) {}

  /** Follows `path` from `offset`, opening it on each read. */
  static at(path: string, offset = 0): LogCursor {
    return new LogCursor(path, offset, false);
  }

  /** Follows the open file from its current end; a log that cannot be opened reads as empty. */
  static pinnedAtEnd(path: string): LogCursor {
    const cursor = new LogCursor(path, 0, true);
    try {
      cursor.fd = openRead(path);
      cursor.offset = fstatSync(cursor.fd).size;
    } catch {
      cursor.fd = null;
    }
    return cursor;
  }

  /** Reads what was appended into `buf` (at most its length). */
  readInto(buf: Buffer): CursorRead {
    return this.withFile((fd, size) => {
      const len = Math.min(buf.length, size - this.offset);
      const got = len > 0 ? readSync(fd, buf, 0, len, this.offset) : 0;
      this.offset += got;
      return got;
    });
  }

  /** What was appended, at most `max` bytes, in a buffer of its own. */
  read(max = READ_MAX): CursorRead & { data: Buffer } {
    let data = Buffer.alloc(0);
    const r = this.withFile((fd, size) => {
      const buf = Buffer.alloc(Math.max(0, Math.min(max, size - this.offset)));
      const got = buf.length ? readSync(fd, buf, 0, buf.length, this.offset) : 0;
      this.offset += got;
      data = buf.subarray(0, got);
      return got;
    });
    return { ...r, data };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private withFile(body: (fd: number, size: number) => number): CursorRead {
    let fd: number;
    if (this.pinned) {
      if (this.fd === null) return { bytes: 0, truncated: false };
      fd = this.fd;
    } else {
      try {
        fd = openRead(this.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        const truncated = this.offset > 0;
        this.offset = 0;
        return { bytes: 0, truncated };
      }
    }
    try {
      let size: number;
      try {
        size = fstatSync(fd).size;
      } catch (err) {
        if (this.pinned) return { bytes: 0, truncated: false };
        throw err;
      }
      // Someone truncated the log: the command goes on appending at the new end.
      const truncated = size < this.offset;
      if (truncated) this.offset = 0;
      try {
        return { bytes: body(fd, size), truncated };
      } catch (err) {
        if (this.pinned) return { bytes: 0, truncated };
        throw err;
      }
    } finally {
      if (!this.pinned) closeSync(fd);
    }
  }
}

export function openRead(path: string): number {
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}

/** The markers a command prints into its log, as the log grows (the worker's reader): one fixed buffer, the file kept open. */
export class MarkerReader {
  private readonly buf = Buffer.alloc(256 * 1024);
  private readonly scanner = new MarkerScanner();
  private readonly cursor: LogCursor;

  constructor(
    path: string,
    private readonly onMarker: (m: Marker) => void,
  ) {
    this.cursor = LogCursor.pinnedAtEnd(path);
  }

  /** Reads what was appended since the last call, at most `maxBytes` (stays responsive to signals). */
  poll(maxBytes = 64 * 1024 * 1024): void {
    for (let read = 0; read < maxBytes;) {
      const { bytes } = this.cursor.readInto(this.buf);
      if (bytes === 0) return;
      read += bytes;
      for (const m of this.scanner.feed(this.buf.subarray(0, bytes)).markers) this.onMarker(m);
    }
  }

  drain(): void {
    this.poll(Number.POSITIVE_INFINITY);
  }

  close(): void {
    for (const m of this.scanner.end().markers) this.onMarker(m);
    this.cursor.close();
  }
}
