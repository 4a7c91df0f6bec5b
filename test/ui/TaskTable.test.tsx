import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { cellWidth } from '../../src/core/cell-width.js';
import { layoutColumns, renderTable } from '../../src/core/table.js';
import { dashboardColumns, taskCells, taskTable } from '../../src/core/task-view.js';
import type { TaskEntry } from '../../src/core/task.js';
import { TaskTable, windowStart } from '../../components/TaskTable.js';
import { makeTask } from '../fixtures/index.js';

afterEach(() => cleanup());

const NOW = Date.parse('2024-01-01T00:01:40.000Z');

describe('TaskTable', () => {
  it('shows the same columns and cells as `status`', () => {
    const task = makeTask({
      id: 'abc12345',
      startedAt: '2024-01-01T00:00:00.000Z',
      stage: { index: 1, count: 3, name: 'b' },
      progress: { percent: 42, etaSeconds: 31, updatedAt: '2024-01-01T00:01:40.000Z' },
    });
    const { lastFrame } = render(<TaskTable entries={[task]} selected={0} width={100} height={5} now={NOW} />);
    const lines = lastFrame()!
      .split('\n')
      .map((l) => l.trimEnd());
    // Past the 2-column selection marker, the plain-text table of `status` is what the dashboard draws.
    expect(lines[1]!.startsWith('› ')).toBe(true);
    // (At 100 columns there is no room for its time columns, STARTED and ENDED.)
    expect(lines.slice(0, 2).map((l) => l.slice(2))).toEqual(taskTable([task], NOW, 98).map((l) => l.trimEnd()));
    expect(lines[1]).toContain('▶ running');
    expect(lines[1]).toContain('2/3 b ');
    expect(lines[1]).toContain('42%');
    expect(lines[1]).toContain('31s');
    expect(lines[1]).toContain('1m40s');
  });

  it('shows when a task started and ended (relative) and its duration where they fit', () => {
    const ended = makeTask({
      id: 'end00001',
      status: 'failed',
      startedAt: new Date(NOW - 3 * 3600_000).toISOString(),
      completedAt: new Date(NOW - 3600_000 - 5 * 60_000).toISOString(),
    });
    const running = makeTask({
      id: 'run00001',
      startedAt: new Date(NOW - 90_000).toISOString(),
      createdAt: '2024-01-01T00:00:01.000Z',
      progress: { percent: 30, etaSeconds: 200, updatedAt: new Date(NOW).toISOString() },
    });
    const table = (width: number) => {
      const columns = dashboardColumns([ended, running], width, 2);
      const progressWidth = layoutColumns(columns, width).find((l) => l.column.key === 'progress')?.width;
      return renderTable(columns, [taskCells(ended, NOW, progressWidth), taskCells(running, NOW, progressWidth)], width);
    };
    // Wide: started, ended, how long.
    const [header, first, second] = table(130);
    expect(header).toMatch(/STARTED\s+ENDED\s+ELAPSED/);
    expect(first).toMatch(/3h ago\s+1h ago\s+1h55m/);
    expect(second).toMatch(/1m ago\s+-\s+1m30s/);
    // Narrower: ENDED goes first, then STARTED; where they show, the progress bar keeps its width.
    const shows = (width: number, key: string) => table(width)[0]!.includes(key);
    const from = (key: string) => [...Array(80).keys()].map((i) => 60 + i).find((w) => shows(w, key))!;
    expect(from('ENDED')).toBeGreaterThan(from('STARTED'));
    expect(table(from('STARTED'))[0]).toMatch(/ETA\s+STARTED\s+ELAPSED/);
    for (const width of [from('STARTED'), from('ENDED'), 130]) expect(table(width)[0]).toMatch(/PROGRESS {10}/);
    // The component draws what dashboardColumns chose for its width.
    const frame = render(<TaskTable entries={[ended, running]} selected={0} width={100} height={5} now={NOW} />).lastFrame()!;
    expect(frame.split('\n')[0]!.slice(2).trimEnd()).toBe(table(98)[0]!.trimEnd());
  });

  it('adds the EXECUTOR column, as `status` does, only when a task runs elsewhere', () => {
    const local = makeTask({ id: 'loc00001' });
    const remote = makeTask({
      id: 'rem00001',
      executor: 'hpc',
      runsOn: { kind: 'slurm', jobId: '42', node: 'node3' },
      createdAt: '2024-01-01T00:00:01.000Z',
    });
    const without = render(<TaskTable entries={[local]} selected={0} width={100} height={4} now={NOW} />).lastFrame()!;
    expect(without).not.toContain('EXECUTOR');
    const lines = render(<TaskTable entries={[local, remote]} selected={0} width={100} height={3} now={NOW} />)
      .lastFrame()!
      .split('\n')
      .map((l) => l.trimEnd().slice(2));
    expect(lines).toEqual(taskTable([local, remote], NOW, 98).map((l) => l.trimEnd()));
    expect(lines[0]).toMatch(/STATUS\s+EXECUTOR/);
    expect(lines[1]).toMatch(/running\s+local\s/);
    expect(lines[2]).toMatch(/running\s+hpc#42@node3\s/);
  });

  it('adds the DIFF column as `status` does, also when a worktree task joins a table that has EXECUTOR', () => {
    const remote = makeTask({ id: 'rem00001', executor: 'hpc', runsOn: { kind: 'slurm', jobId: '42', node: 'node3' } });
    const isolated = makeTask({
      id: 'wt000001',
      status: 'completed',
      createdAt: '2024-01-01T00:00:01.000Z',
      isolation: { repo: '/r', base: 'abc', baseBranch: 'main', setup: [], copy: [] },
      diff: { files: 5, insertions: 120, deletions: 8 },
    });
    const ui = render(<TaskTable entries={[remote]} selected={0} width={100} height={4} now={NOW} />);
    expect(ui.lastFrame()).toMatch(/EXECUTOR/);
    expect(ui.lastFrame()).not.toMatch(/DIFF/);
    ui.rerender(<TaskTable entries={[remote, isolated]} selected={0} width={100} height={3} now={NOW} />);
    const lines = ui
      .lastFrame()!
      .split('\n')
      .map((l) => l.trimEnd().slice(2));
    expect(lines).toEqual(taskTable([remote, isolated], NOW, 98).map((l) => l.trimEnd()));
    expect(lines[0]).toMatch(/\s+DIFF\s+DESCRIPTION/);
    expect(lines[2]).toContain('+120 -8 5f');
  });

  it('status is readable without colour: symbol and word', () => {
    const entries = (['queued', 'completed', 'failed', 'cancelled', 'interrupted'] as const).map((status, i) =>
      makeTask({ id: `t${i}000000`, status, createdAt: `2024-01-01T00:00:0${i}.000Z` }),
    );
    const frame = render(<TaskTable entries={entries} selected={0} width={100} height={8} now={NOW} />).lastFrame()!;
    for (const s of ['… queued', '✔ completed', '✖ failed', '■ cancelled', '! interrupted']) expect(frame).toContain(s);
  });

  it('shows a broken task file as a broken row', () => {
    const entries: TaskEntry[] = [makeTask({ id: 'good0001' }), { id: 'bad00001', broken: true, error: 'not valid JSON' }];
    const frame = render(<TaskTable entries={entries} selected={1} width={100} height={5} now={NOW} />).lastFrame()!;
    expect(frame).toMatch(/› bad00001\s+✖ broken task file: not valid JSON/);
  });

  it('renders only the rows that fit, keeping the selection in view', () => {
    const entries = Array.from({ length: 5000 }, (_, i) =>
      makeTask({ id: `t${String(i).padStart(7, '0')}`, createdAt: new Date(i * 1000).toISOString() }),
    );
    const { lastFrame } = render(<TaskTable entries={entries} selected={4000} width={100} height={6} now={NOW} />);
    const lines = lastFrame()!.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.some((l) => l.startsWith('› t0004000'))).toBe(true);
    expect(windowStart(4000, 5000, 5)).toBe(3998);
    expect(windowStart(0, 5000, 5)).toBe(0);
    expect(windowStart(4999, 5000, 5)).toBe(4995);
    expect(windowStart(2, 3, 5)).toBe(0);
  });

  it('marks the selected row, readable without any terminal styling', () => {
    const entries = [makeTask({ id: 'aaaa0001' }), makeTask({ id: 'bbbb0002', createdAt: '2024-01-02T00:00:00.000Z' })];
    const { lastFrame } = render(<TaskTable entries={entries} selected={1} width={100} height={4} now={NOW} />);
    const lines = lastFrame()!.split('\n');
    expect(lines.find((l) => l.includes('bbbb0002'))).toMatch(/^› bbbb0002/);
    expect(lines.find((l) => l.includes('aaaa0001'))).toMatch(/^ {2}aaaa0001/);
  });

  it('fits a narrow terminal by dropping columns, the numeric ones first', () => {
    const frame = render(<TaskTable entries={[makeTask({ id: 'abc12345' })]} selected={0} width={70} height={3} now={NOW} />).lastFrame()!;
    for (const line of frame.split('\n')) expect([...line.replace(/\x1b\[[0-9;]*m/g, '')].length).toBeLessThanOrEqual(70);
    expect(frame).toContain('DESCRIPTION');
    expect(frame).toContain('build it');
    expect(frame).not.toContain('ETA');
    expect(frame).not.toContain('ELAPSED');
  });

  it('lines up rows with CJK and emoji, in terminal cells', () => {
    const entries = [
      makeTask({
        id: 'cjk00001',
        description: '修复登录页面 🚀 和更多的文字',
        stage: { index: 0, count: 1, name: '构建中' },
        progress: { percent: 50, etaSeconds: null },
      }),
      makeTask({
        id: 'ascii002',
        createdAt: '2024-01-02T00:00:00.000Z',
        description: 'plain',
        stage: { index: 0, count: 1, name: 'build' },
        progress: { percent: 50, etaSeconds: null },
      }),
    ];
    const lines = render(<TaskTable entries={entries} selected={0} width={100} height={4} now={NOW} />)
      .lastFrame()!
      .split('\n');
    const cellsBefore = (line: string, text: string) => cellWidth(line.slice(0, line.indexOf(text)));
    // The bar starts at the same cell on both rows, and no row is wider than the screen.
    expect(cellsBefore(lines[1]!, '[')).toBe(cellsBefore(lines[2]!, '['));
    for (const line of lines) expect(cellWidth(line)).toBeLessThanOrEqual(100);
    expect(lines[1]).toContain('修复登录');
  });

  it('says so when there is nothing to show', () => {
    expect(
      render(<TaskTable entries={[]} selected={0} width={80} height={3} now={NOW} emptyText="no active tasks" />).lastFrame(),
    ).toContain('no active tasks');
  });
});
