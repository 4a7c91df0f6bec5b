import { describe, expect, it } from 'vitest';
import { fit, layoutColumns, renderTable } from '../../src/core/table.js';
import { currentEta, progressBar, TASK_COLUMNS, taskCells, taskColumns, taskTable } from '../../src/core/task-view.js';
import { formatDuration } from '../../src/core/units.js';
import { cellWidth, sliceCells } from '../../src/core/cell-width.js';
import { type Task } from '../../src/core/task.js';

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
    runsOn: { kind: 'local' },
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
    // Run out while the task still works: due any moment, `<1s`, not unknown.
    expect(currentEta(task, Date.parse('2024-01-01T00:05:00.000Z'))).toBe(0);
    expect(taskCells(task, Date.parse('2024-01-01T00:05:00.000Z')).eta).toBe('<1s');
    expect(currentEta({ ...task, progress: { ...task.progress!, percent: 100 } }, now)).toBeNull();
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

  it('at 70 columns keeps 24 cells of description: ELAPSED, STAGE and ETA go first', () => {
    const cols = Object.fromEntries(layoutColumns(TASK_COLUMNS, 68).map((c) => [c.column.key, c.width]));
    expect(Object.keys(cols)).toEqual(['id', 'project', 'status', 'progress', 'description']);
    expect(cols.description).toBeGreaterThanOrEqual(24);
  });

  it('sizes the columns to the rows: a project as long as the longest, the status as its words, shorter when narrow', () => {
    const rows = [
      { ...task, project: 'a-long-project-name', status: 'completed' as const },
      { ...task, id: 'abcd1235', status: 'cancelled' as const },
    ];
    const at = (width: number) => Object.fromEntries(layoutColumns(taskColumns(rows), width).map((c) => [c.column.key, c.width]));
    expect(at(200).project).toBe('a-long-project-name'.length);
    expect(at(200).status).toBe('■ cancelled'.length);
    // Narrow, the status words shorten before the description loses its 24 cells.
    const narrow = taskTable(rows, Date.now(), 66);
    expect(narrow[1]).toContain('✔ done ');
    expect(narrow[2]).toContain('■ stopped');
    expect(narrow[0]!.length - narrow[0]!.indexOf('DESCRIPTION')).toBeGreaterThanOrEqual(11);
    expect(layoutColumns(taskColumns(rows), 66).find((c) => c.column.key === 'description')!.width).toBeGreaterThanOrEqual(24);
    // A project name is cut only once the status words are short.
    for (let w = 50; w <= 140; w++) {
      const cols = Object.fromEntries(layoutColumns(taskColumns(rows), w).map((c) => [c.column.key, c.width]));
      if (cols.project! < 'a-long-project-name'.length) expect(cols.status, `at ${w}`).toBe('■ stopped'.length);
    }
    // Without progress in view, PROGRESS is as wide as its header; without stages, STAGE too.
    const plain = [{ ...task, stage: null, progress: null }];
    const widths = Object.fromEntries(layoutColumns(taskColumns(plain), 200).map((c) => [c.column.key, c.width]));
    expect(widths.progress).toBe('PROGRESS'.length);
    expect(widths.stage).toBe('STAGE'.length);
  });

  it('a narrow progress column shows the percent alone, a wider one a bar', () => {
    expect(taskCells(task, Date.now(), 8).progress).toBe(' 50%');
    expect(taskCells(task, Date.now(), 12).progress).toBe('[###....]  50%'.replace('[###....]', progressBar(50, 7)));
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
    const base = {
      command: ['true'],
      cwd: '/',
      status: 'running' as const,
      createdAt: '2024-01-01T00:00:00.000Z',
      env: {},
      logFile: 'x',
      runsOn: { kind: 'local' as const },
    };
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
