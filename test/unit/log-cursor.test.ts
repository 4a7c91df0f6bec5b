import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogCursor } from '../../src/store/log-cursor.js';

let dir: string;
let log: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-tools-cursor-'));
  log = join(dir, 'task.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('log cursor (one reader of a growing log for the worker, logs -f and the log pane)', () => {
  it('returns what was appended since the last read, in pieces of at most `max` bytes', () => {
    writeFileSync(log, 'one\n');
    const c = LogCursor.at(log);
    expect(c.read().data.toString()).toBe('one\n');
    expect(c.read().data.length).toBe(0);
    appendFileSync(log, 'two\nthree\n');
    expect(c.read(4).data.toString()).toBe('two\n');
    expect(c.read(4).data.toString()).toBe('thre');
    expect(c.read(4).data.toString()).toBe('e\n');
    expect(c.offset).toBe(14);
  });

  it('a log that shrank is read again from its start, and says so once', () => {
    writeFileSync(log, 'a long first line\n');
    const c = LogCursor.at(log);
    c.read();
    truncateSync(log, 0);
    appendFileSync(log, 'new\n');
    const r = c.read();
    expect(r.truncated).toBe(true);
    expect(r.data.toString()).toBe('new\n');
    expect(c.read().truncated).toBe(false);
  });

  it('unpinned, a deleted log reads as truncated (then empty) and a new one is followed from its start', () => {
    writeFileSync(log, 'before\n');
    const c = LogCursor.at(log, 0);
    c.read();
    unlinkSync(log);
    expect(c.read()).toMatchObject({ bytes: 0, truncated: true });
    expect(c.read()).toMatchObject({ bytes: 0, truncated: false });
    writeFileSync(log, 'after\n');
    expect(c.read().data.toString()).toBe('after\n');
  });

  it('pinned, it starts at the end and keeps reading the file it opened, into a fixed buffer', () => {
    writeFileSync(log, 'written before the worker looked\n');
    const c = LogCursor.pinnedAtEnd(log);
    appendFileSync(log, 'x'.repeat(10));
    const buf = Buffer.alloc(4);
    const got: string[] = [];
    for (let r = c.readInto(buf); r.bytes > 0; r = c.readInto(buf)) got.push(buf.toString('utf8', 0, r.bytes));
    expect(got).toEqual(['xxxx', 'xxxx', 'xx']);
    // The command's own fd: the file goes on even once its name is gone.
    const fd = openSync(log, 'a');
    unlinkSync(log);
    writeSync(fd, 'after unlink');
    closeSync(fd);
    expect(c.read(100).data.toString()).toBe('after unlink');
    c.close();
    expect(LogCursor.pinnedAtEnd(join(dir, 'missing.log')).readInto(buf)).toEqual({ bytes: 0, truncated: false });
  });
});
