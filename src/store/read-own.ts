import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { errnoReason } from '../core/errors.js';
import { notOursMessage, ownedByUs } from './paths.js';

type OwnFile = { ok: true; text: string; mtimeMs: number } | { ok: false; missing: boolean; problem: string };

/**
 * Reads a whole file of the state dir that we may trust: never through a symbolic
 * link (O_NOFOLLOW), a regular file, owned by us (a file planted by another user
 * while a folder was loose is not taken for ours), at most `maxBytes`.
 */
export function readOwnFile(path: string, maxBytes: number): OwnFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, missing: true, problem: 'missing' };
    if (code === 'ELOOP') return { ok: false, missing: false, problem: 'is a symbolic link (not followed)' };
    return { ok: false, missing: false, problem: errnoReason(err) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, missing: false, problem: 'is not a regular file' };
    if (!ownedByUs(st)) return { ok: false, missing: false, problem: `${notOursMessage('file', st.uid)}: not trusted` };
    if (st.size > maxBytes) return { ok: false, missing: false, problem: `file is too large (${st.size} bytes)` };
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { ok: true, text: buf.toString('utf8', 0, off), mtimeMs: st.mtimeMs };
  } finally {
    closeSync(fd);
  }
}
