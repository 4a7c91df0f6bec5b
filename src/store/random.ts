import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Random bytes from the kernel (/dev/urandom): a read costs a fraction of a millisecond,
 * loading node:crypto for it some 2.5 ms of every command that makes an id or a temp
 * file. Where there is no /dev/urandom, node:crypto it is.
 */
export function randomBytes(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      let off = 0;
      while (off < n) {
        const got = readSync(fd, buf, off, n - off, null);
        if (got <= 0) throw new Error('short read');
        off += got;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  } catch {
    return process.getBuiltinModule('node:crypto').randomBytes(n);
  }
}
