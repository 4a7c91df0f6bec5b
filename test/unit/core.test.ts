import { describe, expect, it } from 'vitest';
import { EtaEstimator, etaFromHistory, median } from '../../src/core/eta.js';
import { fit, layoutColumns, renderTable } from '../../src/core/table.js';
import { currentEta, progressBar, TASK_COLUMNS, taskCells } from '../../src/core/task-view.js';
import { formatDuration, parseDuration } from '../../src/core/units.js';
import { checkIdInput, makeId, resolveIdPrefix } from '../../src/core/ids.js';
import { cellWidth, sliceCells } from '../../src/core/cell-width.js';
import { stripSequences, TerminalFilter } from '../../src/core/terminal-text.js';
import { MarkerScanner, parseMarker } from '../../src/core/markers.js';
import { overallPercent } from '../../src/core/progress.js';
import { taskShapeError, type Task } from '../../src/core/task.js';
import { printable } from '../../src/core/terminal-text.js';

describe('ids', () => {
  it('makes 8 lowercase alphanumerics from the given bytes', () => {
    let seed = 1;
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 97 + 13) % 256));
    const id = makeId(bytes);
    expect(id).toMatch(/^[a-z0-9]{8}$/);
  });

  it('skips biased bytes instead of folding them', () => {
    const id = makeId((n) => Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 255 : 0)));
    expect(id).toBe('aaaaaaaa');
  });

  it('resolves unique prefixes and rejects ambiguous or unknown ones', () => {
    const ids = ['abcd1234', 'abce5678', 'zz000000'];
    expect(resolveIdPrefix('abcd', ids)).toBe('abcd1234');
    expect(resolveIdPrefix('z', ids)).toBe('zz000000');
    expect(() => resolveIdPrefix('abc', ids)).toThrow(/ambiguous.*abcd1234, abce5678/);
    expect(() => resolveIdPrefix('q', ids)).toThrow(/no task matches/);
  });

  it('reads upper-case input as the lower-case id it means', () => {
    const ids = ['abcd1234', 'zz000000'];
    expect(resolveIdPrefix('ABCD', ids)).toBe('abcd1234');
    expect(resolveIdPrefix('ZZ000000', ids)).toBe('zz000000');
    expect(() => resolveIdPrefix('A/B', ids)).toThrow(/invalid task id/);
  });

  it.each(['', '../x', 'a/b', '/abs', '.', 'ABC', 'abc.json', 'x'.repeat(10_000), 'a b'])('rejects hostile id %j', (input) => {
    expect(() => checkIdInput(input)).toThrow(/invalid task id/);
  });
});

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

describe('eta', () => {
  it('is unknown before any progress and estimates from the rate', () => {
    const e = new EtaEstimator();
    e.begin(0);
    expect(e.etaSeconds(0, 0)).toBeNull();
    e.update(10_000, 10); // 1% per second
    expect(e.etaSeconds(10_000, 10)).toBe(90);
  });

  it('smooths a sudden jump instead of following it', () => {
    const e = new EtaEstimator();
    e.begin(0);
    for (let t = 1; t <= 10; t++) e.update(t * 1000, t); // 1%/s
    e.update(11_000, 31); // one burst of 20%
    const eta = e.etaSeconds(11_000, 31)!;
    const naive = (100 - 31) / 20; // what the last step alone would say
    expect(eta).toBeGreaterThan(naive * 2);
    expect(eta).toBeGreaterThan(0);
  });

  it('never returns 0 or negative while work remains', () => {
    const e = new EtaEstimator();
    e.begin(0);
    e.update(1000, 50);
    expect(e.etaSeconds(100_000, 50)).toBe(1);
    expect(e.etaSeconds(100_000, 100)).toBeNull();
  });

  it('waits for a second of history before the first estimate', () => {
    const e = new EtaEstimator();
    e.begin(0);
    e.update(50, 4); // a marker printed at once would mean 80%/s
    expect(e.etaSeconds(50, 4)).toBeNull();
    e.update(1050, 12);
    expect(e.etaSeconds(1050, 12)).toBeGreaterThanOrEqual(7);
  });

  it('restarts measuring when progress goes backwards', () => {
    const e = new EtaEstimator();
    e.begin(0);
    e.update(1000, 50);
    e.update(2000, 10);
    expect(e.etaSeconds(2000, 10)).toBeNull();
  });

  it('uses the median of recent runs, unknown once overdue', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([])).toBeNull();
    expect(etaFromHistory([10_000, 12_000, 100_000], 2000)).toBe(10);
    expect(etaFromHistory([10_000], 9500)).toBeNull();
    expect(etaFromHistory([], 0)).toBeNull();
    // Only the last few runs count.
    expect(etaFromHistory([1e9, 1e9, 1e9, 1000, 1000, 1000, 1000, 1000], 0)).toBe(1);
  });
});

describe('format', () => {
  const task: Task = {
    id: 'abcd1234',
    project: 'web',
    description: 'multi\nline\x1b[2J',
    command: ['true'],
    cwd: '/',
    status: 'running',
    createdAt: '2024-01-01T00:00:00.000Z',
    startedAt: '2024-01-01T00:00:00.000Z',
    env: {},
    logFile: 'logs/abcd1234.log',
    stage: { index: 1, count: 3, name: 'build' },
    progress: { percent: 50, message: null, etaSeconds: 90, updatedAt: '2024-01-01T00:00:30.000Z' },
  };

  it('formats durations and unknowns', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(7325)).toBe('2h02m');
    expect(formatDuration(90000)).toBe('1d01h');
  });

  it('draws bars that stay within bounds', () => {
    expect(progressBar(50, 12)).toBe('[#####.....]');
    expect(progressBar(0, 7)).toBe('[.....]');
    expect(progressBar(100, 7)).toBe('[#####]');
    expect(progressBar(250, 7)).toBe('[#####]');
    expect(progressBar(null, 7)).toBe('[     ]');
  });

  it('shows stage, progress, a counting-down ETA and elapsed', () => {
    const now = Date.parse('2024-01-01T00:01:00.000Z');
    const cells = taskCells(task, now);
    expect(cells.stage).toBe('2/3 build');
    expect(cells.progress).toContain('50%');
    expect(cells.eta).toBe('1m00s');
    expect(cells.elapsed).toBe('1m00s');
    // The whole escape sequence goes, not just its ESC byte.
    expect(cells.description).toBe('multi line');
    expect(currentEta({ ...task, status: 'completed' }, now)).toBeNull();
    expect(currentEta(task, Date.parse('2024-01-01T00:05:00.000Z'))).toBeNull();
  });

  it('fits tables to the width by dropping and shrinking columns', () => {
    for (const width of [40, 60, 80, 120, 200]) {
      const lines = renderTable(TASK_COLUMNS, [taskCells(task, Date.now())], width);
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(width);
    }
    const narrow = layoutColumns(TASK_COLUMNS, 50).map((c) => c.column.key);
    expect(narrow).toEqual(['id', 'project', 'status', 'description']);
    // When space is short the description shrinks before the stage.
    const mid = Object.fromEntries(layoutColumns(TASK_COLUMNS, 110).map((c) => [c.column.key, c.width]));
    expect(mid.stage).toBeGreaterThanOrEqual(16);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4, 'right')).toBe('  ab');
  });

  it('at 70 columns keeps a description wider than the numeric columns, which go first', () => {
    const cols = Object.fromEntries(layoutColumns(TASK_COLUMNS, 68).map((c) => [c.column.key, c.width]));
    expect(cols.eta).toBeUndefined();
    expect(cols.elapsed).toBeUndefined();
    expect(cols.description).toBeGreaterThanOrEqual(12);
    expect(Object.keys(cols)).toEqual(['id', 'project', 'status', 'stage', 'progress', 'description']);
  });
});

describe('terminal cells', () => {
  it('counts wide characters, emoji and zero-width marks as a terminal does', () => {
    expect(cellWidth('abc')).toBe(3);
    expect(cellWidth('修复登录')).toBe(8);
    expect(cellWidth('ｶﾀｶﾅ')).toBe(4); // halfwidth katakana: one cell each
    expect(cellWidth('ＡＢ')).toBe(4); // fullwidth Latin
    expect(cellWidth('🚀')).toBe(2);
    expect(cellWidth('👨‍👩‍👧')).toBe(2); // one family, joined
    expect(cellWidth('🇫🇷')).toBe(2); // a flag: two regional indicators
    expect(cellWidth('👍🏽')).toBe(2); // skin tone joins its emoji
    expect(cellWidth('❤️')).toBe(2); // text symbol with emoji presentation
    expect(cellWidth('é')).toBe(1); // e + combining acute
    expect(cellWidth('▶ running')).toBe(9);
    expect(cellWidth('a\u200bb')).toBe(2);
  });

  it('cuts and pads to exact cells, never splitting a wide character', () => {
    expect(fit('修复登录页面', 7)).toBe('修复登…');
    expect(cellWidth(fit('修复登录页面', 7))).toBe(7);
    expect(fit('修复登录页面', 8)).toBe('修复登… ');
    expect(fit('修复', 6)).toBe('修复  ');
    expect(fit('修复', 6, 'right')).toBe('  修复');
    expect(fit('🚀🚀🚀', 4)).toBe('🚀… ');
    expect(sliceCells('ab修c', 3)).toEqual({ text: 'ab', width: 2 });
  });

  it('lines up `status` rows whatever script the stage and description are in', () => {
    const base = { command: ['true'], cwd: '/', status: 'running' as const, createdAt: '2024-01-01T00:00:00.000Z', env: {}, logFile: 'x' };
    const rows = [
      taskCells(
        {
          ...base,
          id: 'aaaa0001',
          project: 'web',
          description: '修复登录页面 🚀 with emoji',
          stage: { index: 0, count: 1, name: '构建中' },
        },
        0,
      ),
      taskCells({ ...base, id: 'aaaa0002', project: 'web', description: 'plain', stage: { index: 0, count: 1, name: 'build' } }, 0),
    ];
    const lines = renderTable(TASK_COLUMNS, rows, 100);
    // The progress column starts at the same cell on every line.
    const at = (line: string) => cellWidth(line.slice(0, line.indexOf('-', line.indexOf('running') + 10)));
    expect(at(lines[1]!)).toBe(at(lines[2]!));
    for (const line of lines) expect(cellWidth(line)).toBeLessThanOrEqual(100);
  });
});

describe('terminal text', () => {
  const HOSTILE = 'a\x1b[2J\x1b[H\x1b]0;title\x07\x1b[?1049l\x1b]52;c;aGk=\x1b\\\x1bPq#0\x1b\\\x1bcb\x07\x08';

  it('drops every sequence and control character but colours, \\n, \\r and \\t', () => {
    const f = new TerminalFilter(true);
    expect(f.push(`\x1b[1;31mred\x1b[0m ${HOSTILE}\tend\r\n`) + f.end()).toBe('\x1b[1;31mred\x1b[0m ab\tend\r\n');
    const plain = new TerminalFilter(false);
    expect(plain.push('\x1b[31mred\x1b[0m') + plain.end()).toBe('red');
  });

  it('holds a sequence cut between chunks until it is whole', () => {
    const f = new TerminalFilter(true);
    const text = 'x\x1b[31my\x1b]0;title\x07z\x1b[2Jw';
    for (let cut = 1; cut < text.length; cut++) {
      const g = new TerminalFilter(true);
      expect(g.push(text.slice(0, cut)) + g.push(text.slice(cut)) + g.end(), `cut at ${cut}`).toBe('x\x1b[31myzw');
    }
    expect(f.push('tail\x1b[3') + f.end()).toBe('tail3');
  });

  it('strips for the log pane, leaving text of unterminated sequences out', () => {
    expect(stripSequences('a\x1b]0;never ended')).toBe('a');
    expect(stripSequences('\x1b[31mred\x1b[0m', true)).toBe('\x1b[31mred\x1b[0m');
    expect(stripSequences('\x1b[31mred\x1b[0m')).toBe('red');
  });
});

describe('durations and task shape', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1d12h')).toBe(129600);
    expect(parseDuration('7')).toBeNull();
    expect(parseDuration('-1d')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
  });

  it('names what is wrong with a task file', () => {
    expect(taskShapeError([])).toMatch(/object/);
    expect(taskShapeError({ id: 'a' })).toMatch(/project/);
    expect(
      taskShapeError({ id: 'a', project: 'p', description: 'd', createdAt: 'x', cwd: '/', logFile: 'l', status: 'weird', command: [] }),
    ).toMatch(/unknown status/);
  });
});

describe('printable', () => {
  it('removes escape sequences whole, control characters and the invisible ones that reorder text', () => {
    expect(printable('a\x1b[2Jb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x9b31me\x1bcf')).toBe('abcdef');
    // U+202E would show "evil.txt\u202Eexe" as if it ended in .txt; isolates and marks likewise.
    expect(printable('report\u202eexe.txt \u2066x\u2069 \u200fy\u061c z\ufeff')).toBe('reportexe.txt x y z');
    expect(printable('one\ntwo\r\nthree\tfour\u2028five')).toBe('one two three four five');
    expect(printable('\x00\x07\x08\x7f\x85ok')).toBe('ok');
    expect(printable('plain text, ünïcödé, 漢字 ✔')).toBe('plain text, ünïcödé, 漢字 ✔');
  });
});
