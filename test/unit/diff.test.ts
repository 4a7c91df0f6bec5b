import { describe, expect, it } from 'vitest';
import { copyPathProblem, diffCell, diffLineKind, formatDiff, parseNumstat } from '../../src/core/diff.js';
import { layoutColumns, renderTable } from '../../src/core/table.js';
import { TASK_COLUMNS, taskCells, taskColumns } from '../../src/core/task-view.js';
import type { Task } from '../../src/core/task.js';

describe('parseNumstat', () => {
  it('adds up lines of text files and counts binary files without lines', () => {
    expect(parseNumstat('3\t1\ta.txt\n0\t5\tb/c.ts\n-\t-\timg.png\n')).toEqual({ files: 3, insertions: 3, deletions: 6 });
  });

  it('reads the -z form, where a rename carries its two paths as records of their own', () => {
    const z = ['2\t0\tnew.txt', '1\t1\t', 'old name.txt', 'new\tname.txt', '-\t-\tbin', ''].join('\0');
    expect(parseNumstat(z)).toEqual({ files: 3, insertions: 3, deletions: 1 });
  });

  it('is all zero for no changes', () => {
    expect(parseNumstat('')).toEqual({ files: 0, insertions: 0, deletions: 0 });
  });
});

describe('the DIFF cell', () => {
  it('reads +insertions -deletions files', () => {
    expect(formatDiff({ files: 5, insertions: 120, deletions: 8 })).toBe('+120 -8 5f');
    expect(formatDiff({ files: 0, insertions: 0, deletions: 0 })).toBe('0f');
    expect(formatDiff(null)).toBe('-');
  });

  it('says a worktree task that has not ended yet is still going, and a task without one has none', () => {
    const iso = { repo: '/r', base: 'abc', baseBranch: 'main', setup: [], copy: [] };
    expect(diffCell({ isolation: iso, status: 'running' })).toBe('…');
    expect(diffCell({ isolation: iso, status: 'failed' })).toBe('-');
    expect(diffCell({ status: 'completed' })).toBe('-');
    expect(diffCell({ isolation: iso, status: 'completed', diff: { files: 1, insertions: 2, deletions: 0 } })).toBe('+2 -0 1f');
  });
});

describe('copy paths', () => {
  it('takes paths inside the project only', () => {
    expect(copyPathProblem('.env')).toBeNull();
    expect(copyPathProblem('config/local.json')).toBeNull();
    expect(copyPathProblem('/etc/passwd')).toMatch(/relative/);
    expect(copyPathProblem('../secrets')).toMatch(/inside the project/);
    expect(copyPathProblem('a/../../b')).toMatch(/inside the project/);
    expect(copyPathProblem('')).toMatch(/non-empty/);
  });
});

describe('diff lines', () => {
  it('tells file headers, hunks, added and removed lines apart', () => {
    expect(['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1,2 @@', '+new', '-old', ' same'].map(diffLineKind)).toEqual([
      'file',
      'file',
      'file',
      'hunk',
      'added',
      'removed',
      null,
    ]);
  });
});

describe('the DIFF column', () => {
  const task = (fields: Partial<Task>): Task => ({
    id: 'abc12345',
    project: 'web',
    description: 'd',
    command: ['true'],
    cwd: '/r',
    status: 'completed',
    createdAt: '2024-01-01T00:00:00.000Z',
    env: {},
    logFile: 'l',
    runsOn: { kind: 'local' },
    ...fields,
  });

  it('is there only when a row runs in a worktree, after ELAPSED, and dropped before ELAPSED when narrow', () => {
    expect(taskColumns([task({})]).map((c) => c.key)).toEqual(TASK_COLUMNS.map((c) => c.key));
    const iso = { repo: '/r', base: 'abc', baseBranch: 'main', setup: [], copy: [] };
    const rows = [task({}), task({ isolation: iso, diff: { files: 5, insertions: 120, deletions: 8 } })];
    const columns = taskColumns(rows);
    expect(columns.map((c) => c.key)).toEqual(['id', 'project', 'status', 'stage', 'progress', 'eta', 'elapsed', 'diff', 'description']);
    const lines = renderTable(
      columns,
      rows.map((t) => taskCells(t, 0)),
      160,
    );
    expect(lines[0]).toMatch(/ELAPSED +DIFF +DESCRIPTION/);
    expect(lines[2]).toMatch(/\+120 -8 5f +d$/);
    // Narrowing the table drops ELAPSED first, then DIFF, then ETA.
    const dropsAt = (key: string) => {
      for (let w = 160; w > 20; w--) if (!layoutColumns(columns, w).some((c) => c.column.key === key)) return w;
      return 0;
    };
    expect(dropsAt('elapsed')).toBeGreaterThan(dropsAt('diff'));
    expect(dropsAt('diff')).toBeGreaterThan(dropsAt('eta'));
    // As wide as what it shows.
    expect(layoutColumns(columns, 160).find((c) => c.column.key === 'diff')?.width).toBe('+120 -8 5f'.length);
  });
});
