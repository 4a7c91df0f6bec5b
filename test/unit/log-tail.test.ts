import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMarkerLine, MarkerScanner, MAX_MARKER_BYTES } from '../../src/core/markers.js';
import { paneTail, tailLines } from '../../src/store/logs.js';

let dir: string;
let log: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-tools-tail-'));
  log = join(dir, 'task.log');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tail(content: Buffer | string, n: number, lineLimit?: number): { text: Buffer; cut: boolean; size: number; writes: number } {
  writeFileSync(log, content);
  const pieces: Buffer[] = [];
  const r = tailLines(log, n, (d) => pieces.push(Buffer.from(d)), lineLimit);
  return { text: Buffer.concat(pieces), cut: r.cut, size: r.size, writes: pieces.length };
}

/** What `logs -n` means, the slow and obvious way: each line with its own newline, markers dropped, the last n. */
function expected(content: Buffer, n: number): Buffer {
  const lines: Buffer[] = [];
  for (let from = 0; from < content.length;) {
    const nl = content.indexOf(0x0a, from);
    const end = nl === -1 ? content.length : nl + 1;
    lines.push(content.subarray(from, end));
    from = end;
  }
  const shown = lines.filter((l) => !isMarkerLine(l[l.length - 1] === 0x0a ? l.subarray(0, -1) : l));
  return Buffer.concat(n > 0 ? shown.slice(-n) : []);
}

/** A seeded generator, so a failing case can be replayed. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

describe('tailLines (logs -n: the last lines, read from the end)', () => {
  it('the last n lines, marker lines left out, the final newline kept or not', () => {
    expect(tail('a\nb\nc\n', 2).text.toString()).toBe('b\nc\n');
    expect(tail('a\nb\nc', 2).text.toString()).toBe('b\nc');
    expect(tail('a\n::progress 50\nb\n::stage x\n', 2).text.toString()).toBe('a\nb\n');
    expect(tail('::progress 150\nb\n', 5).text.toString()).toBe('::progress 150\nb\n');
    expect(tail('a\n\n\nb\n', 3).text.toString()).toBe('\n\nb\n');
    expect(tail('::progress 1\n::progress 2\n', 5).text.toString()).toBe('');
    // A line keeps its own newline when the marker after it is hidden.
    expect(tail('a\n::progress 5', 5).text.toString()).toBe('a\n');
    expect(tail('', 5).text.toString()).toBe('');
    expect(tail('x\n', 0).text.toString()).toBe('');
    expect(tail('a\r\n::progress 5\r\n', 5).text.toString()).toBe('a\r\n');
  });

  it('agrees with splitting the whole file, for lines of every length across read chunks', () => {
    const next = random(13);
    for (let round = 0; round < 60; round++) {
      const parts: string[] = [];
      const lines = Math.floor(next() * 400);
      for (let i = 0; i < lines; i++) {
        const r = next();
        if (r < 0.1) parts.push('::progress ' + Math.floor(next() * 100));
        else if (r < 0.15) parts.push('');
        else if (r < 0.2) parts.push('y'.repeat(Math.floor(next() * 70_000)));
        else parts.push('line ' + i + ' ' + 'x'.repeat(Math.floor(next() * 300)));
      }
      const content = Buffer.from(parts.join('\n') + (next() < 0.5 ? '\n' : ''));
      const n = 1 + Math.floor(next() * 120);
      const got = tail(content, n, 1024 * 1024);
      expect(got.cut).toBe(false);
      expect(got.text.equals(expected(content, n)), `round ${round}: ${lines} lines, n=${n}`).toBe(true);
      expect(got.size).toBe(content.length);
    }
  });

  it('a line longer than the limit shows its end only, says it was cut, and nothing before it is read', () => {
    const huge = 'h'.repeat(300_000);
    const r = tail(`first\nsecond\n${huge}\nlast\n`, 50, 64 * 1024);
    expect(r.cut).toBe(true);
    expect(r.text.toString()).toBe(`${'h'.repeat(64 * 1024)}\nlast\n`);
    // Without a final newline, and as the only line.
    const only = tail(huge, 5, 1000);
    expect(only.text.toString()).toBe('h'.repeat(1000));
    expect(only.cut).toBe(true);
    // Exactly at the limit: whole, not cut.
    const exact = tail(`a\n${'e'.repeat(1000)}\n`, 5, 1000);
    expect(exact.cut).toBe(false);
    expect(exact.text.toString()).toBe(`a\n${'e'.repeat(1000)}\n`);
  });

  it('a cut line starts on a character, not inside one', () => {
    const r = tail(`${'é'.repeat(5000)}\n`, 1, 1001);
    expect(r.cut).toBe(true);
    expect(r.text.toString()).toBe(`${'é'.repeat(500)}\n`);
  });

  it('writes in bounded pieces', () => {
    const content = Buffer.from(`${'z'.repeat(60_000)}\n`.repeat(50));
    const r = tail(content, 50);
    expect(r.text.equals(content)).toBe(true);
    expect(r.writes).toBeGreaterThan(1);
  });
});

describe('paneTail (the log pane: whole lines back to a budget, a long line by its start)', () => {
  const read = (content: string | Buffer, budget: number, lineLimit = 16, scan?: number) => {
    writeFileSync(log, content);
    const t = paneTail(log, budget, lineLimit, scan);
    return { ...t, text: t.lines.map((l) => ({ text: l.data.toString(), cut: l.cut, ended: l.ended, lead: l.lead })) };
  };

  it('a long line counts as its start: the lines before it are loaded too', () => {
    const long = `L${'x'.repeat(999)}`;
    const t = read(`first\nsecond\n${long}\nafter\n`, 64);
    expect(t.start).toBe(0);
    expect(t.text).toEqual([
      { text: 'first\n', cut: 0, ended: true, lead: undefined },
      { text: 'second\n', cut: 0, ended: true, lead: undefined },
      { text: long.slice(0, 16), cut: 1000 - 16 + 1, ended: true, lead: undefined },
      { text: 'after\n', cut: 0, ended: true, lead: undefined },
    ]);
  });

  it('stops at the budget, on a line boundary; a line of exactly the limit is whole', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `line-${i}-${'y'.repeat(6)}`); // 13 bytes and a newline each
    const t = read(`${lines.join('\n')}\n`, 30);
    expect(t.text.map((l) => l.text)).toEqual([`${lines[8]}\n`, `${lines[9]}\n`]);
    expect(t.start).toBe(8 * 14);
    expect(read('abcdefghijklmnop\n', 100).text).toEqual([{ text: 'abcdefghijklmnop\n', cut: 0, ended: true, lead: undefined }]);
  });

  it('a long last line still being written: its start, not ended', () => {
    const t = read(`done\n${'z'.repeat(100)}`, 64);
    expect(t.text).toEqual([
      { text: 'done\n', cut: 0, ended: true, lead: undefined },
      { text: 'z'.repeat(16), cut: 84, ended: false, lead: undefined },
    ]);
  });

  it('a line whose start is further back than it looks: its end only, and nothing before it', () => {
    const t = read(`before\n${'w'.repeat(500)}E\nafter\n`, 1000, 16, 100);
    expect(t.text).toEqual([
      { text: `${'w'.repeat(15)}E\n`, cut: 0, ended: true, lead: null },
      { text: 'after\n', cut: 0, ended: true, lead: undefined },
    ]);
    expect(t.start).toBe(7 + 501 + 1 - 17);
  });

  it('an empty log, and a log of one short line without a newline', () => {
    expect(read('', 10).lines).toEqual([]);
    expect(read('abc', 10).text).toEqual([{ text: 'abc', cut: 0, ended: false, lead: undefined }]);
  });
});

describe('the marker length limit, in bytes, one for the worker and the log readers', () => {
  /** What the worker's scanner makes of `line` (its newline added), fed whole and fed a byte at a time. */
  function scanned(line: string): { output: string; markers: number }[] {
    const bytes = Buffer.from(`${line}\n`);
    return [[bytes], [...bytes].map((b) => Buffer.from([b]))].map((chunks) => {
      const s = new MarkerScanner();
      const parts = chunks.map((c) => s.feed(c));
      parts.push(s.end());
      return { output: Buffer.concat(parts.flatMap((p) => p.output)).toString(), markers: parts.flatMap((p) => p.markers).length };
    });
  }

  it.each([
    ['at the limit, in two-byte characters', `::stage ${'é'.repeat((MAX_MARKER_BYTES - 8) / 2)}`, true],
    ['at the limit, with a \\r', `::stage ${'b'.repeat(MAX_MARKER_BYTES - 8)}\r`, true],
    ['a byte over, in two-byte characters (fewer characters than the limit)', `::stage ${'é'.repeat((MAX_MARKER_BYTES - 8) / 2)}x`, false],
    ['700 characters, 1,408 bytes', `::stage ${'é'.repeat(700)}`, false],
  ])('%s', (_, line, isMarker) => {
    for (const r of scanned(line)) expect(r).toEqual(isMarker ? { output: '', markers: 1 } : { output: `${line}\n`, markers: 0 });
    expect(tail(`before\n${line}\nafter\n`, 10).text.toString()).toBe(isMarker ? 'before\nafter\n' : `before\n${line}\nafter\n`);
  });
});
