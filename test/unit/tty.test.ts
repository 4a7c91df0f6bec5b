import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { needsInput } from '../../src/core/task.js';
import { sortTasks } from '../../src/core/task-sort.js';
import { formatTaskStatus } from '../../src/core/task-view.js';
import { detailLines } from '../../src/core/task-detail.js';
import { statePaths } from '../../src/store/paths.js';
import { checkSocketFolder, MAX_SOCKET_PATH, terminalSocketPath } from '../../src/store/terminal-socket.js';
import { makeTask } from '../fixtures/index.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the socket of a task terminal', () => {
  it('is in the ledger folder when the path fits, else in a short folder, one name per state dir and task', () => {
    expect(terminalSocketPath(statePaths('/home/me/.dev-tools'), 'abcd1234')).toBe('/home/me/.dev-tools/run/abcd1234/tty.sock');
    const deep = `/home/me/${'x'.repeat(100)}`;
    const a = terminalSocketPath(statePaths(deep), 'abcd1234');
    expect(a.startsWith(deep)).toBe(false);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_SOCKET_PATH);
    expect(a).toMatch(/abcd1234\.sock$/);
    expect(terminalSocketPath(statePaths(`${deep}y`), 'abcd1234')).not.toBe(a);
  });

  it('refuses a folder open to others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-tools-sock-'));
    made.push(dir);
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o755 });
    expect(() => checkSocketFolder(join(open, 'x.sock'), false)).toThrow(/open to other users .*0700/);
    const own = join(dir, 'own');
    checkSocketFolder(join(own, 'x.sock'), true);
    expect(() => checkSocketFolder(join(own, 'x.sock'), false)).not.toThrow();
  });
});

describe('attention', () => {
  it('counts for a running task only, reads "? input", and sorts first by status with the failures', () => {
    const asks = makeTask({ id: 'asks0001', status: 'running', attention: 'input', createdAt: '2024-01-01T00:00:03Z' });
    expect(needsInput(asks)).toBe(true);
    expect(needsInput({ ...asks, status: 'completed' })).toBe(false);
    expect(formatTaskStatus(asks)).toBe('? input');
    expect(formatTaskStatus({ ...asks, attention: null })).toBe('▶ running');
    const entries = [
      makeTask({ id: 'done0001', status: 'completed', createdAt: '2024-01-01T00:00:00Z' }),
      makeTask({ id: 'runs0001', status: 'running', createdAt: '2024-01-01T00:00:01Z' }),
      makeTask({ id: 'fail0001', status: 'failed', createdAt: '2024-01-01T00:00:02Z' }),
      asks,
    ];
    expect(sortTasks(entries, 'status', 0).map((e) => e.id)).toEqual(['fail0001', 'asks0001', 'runs0001', 'done0001']);
  });

  it('the detail view says the task has a terminal, how to reach it, and that it waits', () => {
    const asks = makeTask({ id: 'asks0001', status: 'running', tty: true, attention: 'input' });
    const line = (t: typeof asks) => detailLines(t, { now: 0, history: [], restartChain: [] }).find((l) => l.label === 'terminal')?.value;
    expect(line(asks)).toBe('waits for input: dev-tools attach asks0001 (t), dev-tools send asks0001 <text>');
    expect(line({ ...asks, attention: null })).toBe('dev-tools attach asks0001 (t), dev-tools send asks0001 <text>');
    expect(line({ ...asks, status: 'completed' })).toBe('closed');
    expect(line({ ...asks, tty: null })).toBeUndefined();
  });
});
