import { closeSync, constants, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export const TEMP_SUFFIX = '.tmp';

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

function writeTemp(path: string, data: string | Buffer): string {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const fd = openSync(tmp, CREATE_FLAGS, 0o600);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    safeUnlink(tmp);
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/** Temp file in the same folder, fsync, rename over: a reader never sees half a file. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = writeTemp(path, data);
  try {
    // rename replaces a planted symlink itself; it never writes through it.
    renameSync(tmp, path);
  } catch (err) {
    safeUnlink(tmp);
    throw err;
  }
}

/** Creates `path` with its whole content at once, failing with EEXIST if it exists. */
export function createFileExclusive(path: string, data: string | Buffer): void {
  const tmp = writeTemp(path, data);
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
