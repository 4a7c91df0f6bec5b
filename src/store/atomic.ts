import { closeSync, constants, fsyncSync, linkSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from './random.js';
import { namesIn } from './paths.js';

export const TEMP_SUFFIX = '.tmp';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function writeTemp(path: string, data: string | Buffer, sync = true): string {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const fd = openSync(tmp, CREATE_FLAGS, 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (sync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    safeUnlink(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/**
 * Temp file in the same folder, fsync, rename over: a reader never sees half a file.
 * `beforeRename` runs with the whole temp file in place (tests stop a worker there).
 */
export function writeFileAtomic(path: string, data: string | Buffer, beforeRename?: () => void): void {
  const tmp = writeTemp(path, data);
  try {
    beforeRename?.();
    // rename replaces a planted symlink itself; it never writes through it.
    renameSync(tmp, path);
  } catch (err) {
    safeUnlink(tmp);
    throw err;
  }
}

/**
 * Creates `path` with its whole content at once, failing with EEXIST if it exists.
 * `durable: false` skips the fsync, for a file that means nothing after a crash (a lock:
 * its owner is dead then, so it is stale whatever it holds).
 */
export function createFileExclusive(path: string, data: string | Buffer, { durable = true }: { durable?: boolean } = {}): void {
  const tmp = writeTemp(path, data, durable);
  try {
    linkSync(tmp, path);
  } finally {
    safeUnlink(tmp);
  }
}

export function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

interface TempFile {
  path: string;
  /** What it was to become (the path without `.<pid>.<hex>.tmp`). */
  target: string;
  /** The pid of the process that wrote it. */
  pid: number;
  mtimeMs: number;
}

const TEMP_NAME = /^(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** Temp files of writeFileAtomic / createFileExclusive in `dir` (a crash between write and rename leaves one). */
export function tempFiles(dir: string): TempFile[] {
  const out: TempFile[] = [];
  for (const name of namesIn(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    try {
      const st = lstatSync(path);
      if (st.isFile()) out.push({ path, target: join(dir, m[1]!), pid: Number(m[2]), mtimeMs: st.mtimeMs });
    } catch {
      // renamed or removed meanwhile
    }
  }
  return out;
}
