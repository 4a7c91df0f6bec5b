import { describe, expect, it } from 'vitest';
import { shellLine } from '../../src/core/shell.js';
import { detailLines, formatWhen } from '../../src/core/task-detail.js';
import { nextFailed, nextSortOrder, sortTasks, SORT_ORDERS, type SortOrder } from '../../src/core/task-sort.js';
import type { Task, TaskEntry } from '../../src/core/task.js';
import { agoChangesAt, formatAgo } from '../../src/core/units.js';
import { makeTask } from '../fixtures/index.js';

const NOW = Date.parse('2026-11-27T03:00:00Z');
const task = (fields: Partial<Task> & { id: string }): Task =>
  makeTask({ description: 'build', command: ['npm', 'run', 'build'], cwd: '/w', createdAt: '2026-11-27T02:00:00.000Z', ...fields });
const value = (t: Task, label: string, history: number[] = [], chain: string[] = []) =>
  detailLines(t, { now: NOW, history, restartChain: chain, timeZone: 'UTC' }).find((l) => l.label === label)?.value;

describe('task detail lines', () => {
  it('times: absolute in the given zone, and relative', () => {
    expect(formatWhen('2026-11-27T02:57:00.000Z', NOW, 'UTC')).toBe('2026-11-27 02:57:00 (3m ago)');
    expect(formatWhen(null, NOW)).toBe('-');
    expect(formatAgo(NOW - 2000, NOW)).toBe('just now');
    expect(formatAgo(NOW - 3 * 86400_000, NOW)).toBe('3d ago');
  });

  it('a relative time reads right to its unit, and says when it next changes', () => {
    const at = NOW - 57_400;
    expect(formatAgo(at, NOW)).toBe('57s ago');
    expect(agoChangesAt(at, NOW)).toBe(at + 58_000);
    expect(formatAgo(at, at + 59_999)).toBe('59s ago');
    expect(formatAgo(at, at + 60_000)).toBe('1m ago');
    expect(agoChangesAt(at, at + 60_000)).toBe(at + 120_000);
    expect(formatAgo(at, at + 3_600_000)).toBe('1h ago');
    expect(agoChangesAt(at, at + 3_600_000)).toBe(at + 7_200_000);
    // A time a little ahead of this clock (another machine's) is just now, until it is not.
    expect(formatAgo(NOW + 2000, NOW)).toBe('just now');
    expect(agoChangesAt(NOW + 2000, NOW)).toBe(NOW + 7000);
    // Every change it announces is a change, and nothing changes before it.
    for (let t = at; t < at + 200_000;) {
      const next = agoChangesAt(at, t);
      expect(formatAgo(at, next - 1)).toBe(formatAgo(at, t));
      expect(formatAgo(at, next)).not.toBe(formatAgo(at, t));
      t = next;
    }
  });

  it('command as a shell line, env keys without values, exit code or signal', () => {
    const t = task({ id: 'a', command: ['sh', '-c', "echo 'hi'"], env: { TOKEN: 's3cret' }, status: 'failed', exitCode: 2 });
    expect(value(t, 'command')).toBe(`sh -c 'echo '\\''hi'\\'''`);
    expect(value(t, 'env')).toBe('TOKEN (values hidden)');
    expect(JSON.stringify(detailLines(t, { now: NOW, history: [], restartChain: [] }))).not.toContain('s3cret');
    expect(value(t, 'exit')).toBe('exit code 2');
    expect(value({ ...t, exitCode: null, signal: 'SIGKILL' }, 'exit')).toBe('killed by SIGKILL');
    // A command that never started (not found) did not start; one that ran and was stopped did not end by itself.
    const notFound = { ...t, exitCode: null, error: 'command not found: nosuchcommand' };
    expect(value(notFound, 'exit')).toBe('none: the command did not start');
    expect(value(notFound, 'error')).toBe('command not found: nosuchcommand');
    expect(value({ ...notFound, commandPid: 4242 }, 'exit')).toBe('none: its last step did not start');
    expect(value({ ...t, status: 'interrupted', exitCode: null, commandPid: 4242 }, 'exit')).toBe(
      'no exit code (the command did not end by itself)',
    );
    expect(shellLine(['ls', '-la', 'a b'])).toBe("ls -la 'a b'");
  });

  it('ETA source: markers, history with the durations it used, or unknown', () => {
    const updatedAt = new Date(NOW).toISOString();
    expect(value(task({ id: 'm', progress: { percent: 50, etaSeconds: 90, etaSource: 'markers', updatedAt } }), 'eta')).toBe(
      '1m30s from the rate of the progress markers so far',
    );
    expect(
      value(task({ id: 'h', progress: { percent: null, etaSeconds: 40, etaSource: 'history', updatedAt } }), 'eta', [60_000, 62_000]),
    ).toBe('40s from history: median of the last 2 completed run(s) (1m00s, 1m02s)');
    expect(value(task({ id: 'u' }), 'eta')).toBe('unknown: no progress markers yet and no completed runs');
  });

  it('the restart chain, nearest first', () => {
    expect(value(task({ id: 'c', restartOf: 'b' }), 'restart of', [], ['b', 'a'])).toBe('b ← a');
    expect(value(task({ id: 'c', restartOf: 'b' }), 'restart of')).toBe('b');
    expect(value(task({ id: 'c' }), 'restart of')).toBe('-');
  });
});

describe('sort and jump', () => {
  const entries: TaskEntry[] = [
    task({ id: 'a', createdAt: '2026-11-27T01:00:00Z', status: 'completed', project: 'b' }),
    task({ id: 'b', createdAt: '2026-11-27T02:00:00Z', status: 'failed', project: 'a' }),
    { id: 'x', broken: true, error: 'bad json' },
    task({ id: 'c', createdAt: '2026-11-27T02:30:00Z', status: 'running', project: 'c' }),
  ];
  it('cycles through every order and back', () => {
    let o: SortOrder = SORT_ORDERS[0];
    for (let i = 0; i < SORT_ORDERS.length; i++) o = nextSortOrder(o);
    expect(o).toBe(SORT_ORDERS[0]);
  });
  it('orders by newest, status, project; broken rows last', () => {
    expect(sortTasks(entries, 'newest', NOW).map((e) => e.id)).toEqual(['c', 'b', 'a', 'x']);
    expect(sortTasks(entries, 'status', NOW).map((e) => e.id)).toEqual(['b', 'c', 'a', 'x']);
    expect(sortTasks(entries, 'project', NOW).map((e) => e.id)).toEqual(['b', 'a', 'c', 'x']);
  });
  it('finds the next failed task, wrapping, or none', () => {
    expect(nextFailed(entries, 0)).toBe(1);
    expect(nextFailed(entries, 1)).toBe(1);
    expect(nextFailed(entries.slice(2), 0)).toBe(-1);
  });
});
