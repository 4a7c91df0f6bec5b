// Tasks that run in a terminal of their own (`--tty`) in the dashboard: a task waiting
// for input shows it (status, colour, header, first by status) and rings the bell; Enter
// on a task that has no open terminal focuses the log as ever; the log pane plays the
// terminal's stream back as its screen showed it. (Attaching for real, through a real
// terminal: test/e2e/tty.test.ts.)
import { cleanup, render } from 'ink-testing-library';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../components/App.js';
import type { Task } from '../../src/core/task.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, waitFor, writeTaskFile } from '../fixtures/index.js';
import { KEYS, recordingActions, screen } from './helpers.js';

let home: string;
let store: TaskStore;

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-terminal-'));
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

const put = (t: Task) => writeTaskFile(home, t, 'active');
const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();

function mount() {
  const ui = render(
    <App
      store={store}
      config={makeConfig()}
      actions={recordingActions([])}
      size={{ columns: 100, rows: 30 }}
      scheduleEveryMs={60_000}
      programs={{ pager: 'false', editor: 'false' }}
      env={{}}
    />,
  );
  return { ...ui, ...screen(ui) };
}

describe('a task waiting for input', () => {
  it('shows "? input" and a header count, rings the bell when it starts waiting, and sorts first by status', async () => {
    put(makeTask({ id: 'fail0001', status: 'failed', createdAt: at(0) }));
    put(makeTask({ id: 'done0002', status: 'completed', createdAt: at(1) }));
    const t = put(makeTask({ id: 'asks0003', status: 'running', tty: true, createdAt: at(2), startedAt: at(2) }));
    const ui = mount();
    await ui.see('asks0003');
    expect(ui.frame()).not.toContain('? input');
    const before = ui.frames.length;
    put({ ...t, attention: 'input' });
    await ui.see('? input');
    expect(ui.frame()).toContain('input 1');
    await waitFor(() => ui.frames.slice(before).join('').includes('\x07') || undefined, 'the bell', 5000);
    // By status: the question comes first, with the failure.
    ui.stdin.write('s');
    await ui.see('sorted newest first');
    ui.stdin.write('s');
    await ui.see('sorted by status');
    const rows = ui.frame().split('\n');
    const row = (id: string) => rows.findIndex((r) => r.includes(id));
    expect(row('asks0003')).toBeLessThan(row('done0002'));
    expect(row('fail0001')).toBeLessThan(row('done0002'));
    // Answered: it is running again, and nothing rings.
    const quiet = ui.frames.length;
    put({ ...t, attention: null });
    await ui.see('▶ running');
    expect(ui.frame()).not.toContain('input 1');
    expect(ui.frames.slice(quiet).join('')).not.toContain('\x07');
  });
});

describe('Enter and the log pane', () => {
  it('Enter on a task without an open terminal focuses the log; t says why it cannot attach', async () => {
    put(makeTask({ id: 'plain001', status: 'running', createdAt: at(0), startedAt: at(0) }));
    const ui = mount();
    await ui.see('plain001');
    ui.stdin.write('t');
    await ui.see('plain001 has no terminal to attach to: it was not started with --tty');
    ui.stdin.write(KEYS.enter);
    await ui.see('▌ log');
  });

  it('the log pane of a tty task shows its screen: carriage returns, cursor moves and clears resolved', async () => {
    put(makeTask({ id: 'ttyscr01', status: 'running', tty: true, createdAt: at(0), startedAt: at(0) }));
    writeFileSync(join(home, 'logs', 'ttyscr01.log'), 'first line\r\n10%\r55%\r100%\r\nwrong\x1b[2K\rright\r\n\x1b[31mred\x1b[0m\r\n');
    const ui = mount();
    await ui.see('right');
    expect(ui.frame()).toContain('terminal (t attach)');
    expect(ui.frame()).toContain('100%');
    expect(ui.frame()).not.toContain('55%');
    expect(ui.frame()).not.toContain('wrong');
    expect(ui.frame()).toContain('red');
  });
});
