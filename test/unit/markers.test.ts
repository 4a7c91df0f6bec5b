import { describe, expect, it } from 'vitest';
import { isMarkerLine, MarkerScanner, parseMarker } from '../../src/core/markers.js';
import { overallPercent } from '../../src/core/progress.js';

describe('markers', () => {
  it('parses progress with and without a message', () => {
    expect(parseMarker('::progress 42')).toEqual({ kind: 'progress', percent: 42, message: null });
    expect(parseMarker('::progress 42.5 compiling  sources\r')).toEqual({ kind: 'progress', percent: 42.5, message: 'compiling  sources' });
    expect(parseMarker('::stage build')).toEqual({ kind: 'stage', name: 'build' });
  });

  it.each([
    '::progress abc',
    '::progress 150',
    '::progress -3',
    '::progress',
    '::progress 1e3',
    '::stage',
    '::stage   ',
    '::progressx 4',
    'x ::progress 4',
    '::unknown 4',
  ])('ignores malformed %j', (line) => {
    expect(parseMarker(line)).toBeNull();
  });

  it('drops marker lines from the output and passes everything else byte for byte', () => {
    const s = new MarkerScanner();
    const input = Buffer.concat([Buffer.from('a\n::progress 10\nb'), Buffer.from([0xff, 0x00, 0xc3, 0x0a]), Buffer.from('::prog')]);
    const r1 = s.feed(input);
    const r2 = s.feed(Buffer.from('ress 20 half\n::stage x\n::progress abc\nend'));
    const r3 = s.end();
    const out = Buffer.concat([...r1.output, ...r2.output, ...r3.output]);
    expect(
      out.equals(Buffer.concat([Buffer.from('a\nb'), Buffer.from([0xff, 0x00, 0xc3, 0x0a]), Buffer.from('::progress abc\nend')])),
    ).toBe(true);
    expect([...r1.markers, ...r2.markers, ...r3.markers].map((m) => m.kind)).toEqual(['progress', 'progress', 'stage']);
  });

  it('splits markers across chunk boundaries at any point', () => {
    const text = 'line one\n::progress 33 a\n::stage s1\nplain ::progress 50\n::progress 66\nlast';
    for (let cut = 1; cut < text.length; cut++) {
      const s = new MarkerScanner();
      const a = s.feed(Buffer.from(text.slice(0, cut)));
      const b = s.feed(Buffer.from(text.slice(cut)));
      const c = s.end();
      expect(Buffer.concat([...a.output, ...b.output, ...c.output]).toString()).toBe('line one\nplain ::progress 50\nlast');
      expect([...a.markers, ...b.markers, ...c.markers]).toHaveLength(3);
    }
  });

  it('does not hold back a huge line that starts with "::"', () => {
    const s = new MarkerScanner();
    const big = Buffer.from(`::${'x'.repeat(5000)}`);
    const r = s.feed(big);
    expect(Buffer.concat(r.output).length).toBe(big.length);
  });

  it('computes overall percent over stages', () => {
    expect(overallPercent(0, 4, null)).toBe(0);
    expect(overallPercent(1, 4, 50)).toBe(37.5);
    expect(overallPercent(3, 4, 100)).toBe(100);
    expect(overallPercent(2, 4, 150)).toBe(75);
  });
});

describe('marker lines', () => {
  it('one rule for every reader: a whole valid marker line, as bytes or as text', () => {
    for (const line of ['::progress 42', '::progress 42 compiling', '::stage build', '::progress 7\r']) {
      expect(isMarkerLine(line), line).toBe(true);
      expect(isMarkerLine(Buffer.from(line)), line).toBe(true);
    }
    for (const line of ['::progress abc', '::progress 150', '::stage', 'text ::progress 5', ':: progress 5', '']) {
      expect(isMarkerLine(line), line).toBe(false);
      expect(isMarkerLine(Buffer.from(line)), line).toBe(false);
    }
  });
});
