// What a new user hit in the dashboard: help from the log pane, old failures counted as
// new, relative times that lag, the clipboard, a pasted multi-line command, a project's
// stages or a command, the launch form's prefill. A real state directory with task files
// written directly; the terminal is Ink's own streams (ink-testing-library's).
// Over 250 lines: one scenario per defect; they share one set-up.
import { cleanup, render } from 'ink-testing-library';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions, LaunchSpec } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { Task } from '../../src/core/task.js';
import type { Config } from '../../src/store/config.js';
import { statePaths } from '../../src/store/paths.js';
import { TaskStore } from '../../src/store/tasks.js';
import { KEYS, makeTask, recordingActions, screen, tick, waitFor } from './helpers.js';

let home: string;
let store: TaskStore;
let launched: LaunchSpec[];
let actions: DashboardActions;
const config: Config = {
  maxParallelTasks: 4,
  cancelGraceMs: 500,
  executors: {},
  projects: {
    pipe: {
      cwd: '/srv/pipe',
      env: { PIPE: '1' },
      stages: [
        { name: 'build', run: 'make' },
        { name: 'test', run: 'make test' },
      ],
    },
  },
};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dev-tools-ui-first-use-'));
  store = new TaskStore(statePaths(home)).ensure();
  launched = [];
  actions = recordingActions(launched);
});
afterEach(() => {
  cleanup();
  rmSync(home, { recursive: true, force: true });
});

function put(t: Task, where: 'active' | 'done' = 'active'): Task {
  writeFileSync(where === 'active' ? store.activePath(t.id) : store.donePath(t.id), JSON.stringify(t));
  return t;
}

const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

function mount(size = { columns: 100, rows: 30 }) {
  const ui = render(<App store={store} config={config} actions={actions} size={size} scheduleEveryMs={60_000} defaultProject="proj" />);
  const { frame, see } = screen(ui);
  return { ...ui, frame, see };
}

describe('help', () => {
  it('? opens the help from the log pane and from the detail view, and Esc goes back there, as it was', async () => {
    const t = put(makeTask({ id: 'log00001', startedAt: ago(30) }));
    writeFileSync(store.logPath(t.id), Array.from({ length: 60 }, (_, i) => `line ${i + 1}\n`).join(''));
    const ui = mount();
    await ui.see('line 60');
    ui.stdin.write(KEYS.tab);
    await ui.see('▌ log');
    ui.stdin.write('g');
    await ui.see(/▌ log log00001 .* 1-\d+\/60\b/);
    ui.stdin.write('?');
    await ui.see('Keys (');
    ui.stdin.write(KEYS.escape);
    // Back in the log pane, still scrolled to its top.
    await ui.see(/▌ log log00001 .* 1-\d+\/60\b/);
    ui.stdin.write(KEYS.escape);
    await ui.see('─ log');
    ui.stdin.write('i');
    await ui.see('▌ detail log00001');
    ui.stdin.write('?');
    await ui.see('Keys (');
    ui.stdin.write('?');
    await ui.see('▌ detail log00001');
  });
});

describe('failures', () => {
  it('a shows finished tasks: failures from before the dashboard opened are not new and ring no bell', async () => {
    put(makeTask({ id: 'old00001', status: 'failed', exitCode: 3, createdAt: ago(7200), completedAt: ago(3600) }), 'done');
    put(makeTask({ id: 'old00002', status: 'interrupted', createdAt: ago(7200), completedAt: ago(3500) }), 'done');
    const running = put(makeTask({ id: 'run00003', status: 'running', createdAt: ago(60), startedAt: ago(60) }));
    const ui = mount();
    await ui.see('run00003');
    const before = ui.frames.length;
    ui.stdin.write('a');
    await ui.see('old00002');
    await tick(100);
    expect(ui.frame()).not.toContain('new failure');
    expect(ui.frames.slice(before).join('')).not.toContain('\x07');
    // One that fails now is new.
    put({ ...running, status: 'failed', exitCode: 1, completedAt: new Date().toISOString() });
    await ui.see('✖ 1 new failure');
    expect(ui.frames.slice(before).join('')).toContain('\x07');
  });
});

describe('relative times', () => {
  it('STARTED and ENDED move with the clock to the unit they show, and read as the detail view reads them', async () => {
    put(
      makeTask({ id: 'end00001', status: 'completed', exitCode: 0, createdAt: ago(200), startedAt: ago(100), completedAt: ago(57) }),
      'done',
    );
    const ui = mount({ columns: 130, rows: 30 });
    await ui.see('no active tasks');
    ui.stdin.write('a');
    const row = () =>
      ui
        .frame()
        .split('\n')
        .find((l) => l.includes('end00001')) ?? '';
    await waitFor(() => /1m ago\s+5[78]s ago/.test(row()), 'started 1m ago, ended 57s ago', 5000, ui.frame);
    // Nothing runs: still, the seconds tick, and the minute comes on time.
    await waitFor(() => /1m ago\s+59s ago/.test(row()), 'ended 59s ago', 5000, ui.frame);
    await waitFor(() => /1m ago\s+1m ago/.test(row()), 'ended 1m ago', 5000, ui.frame);
    ui.stdin.write('i');
    await ui.see('▌ detail end00001');
    expect(ui.frame()).toMatch(/started\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(1m ago\)/);
    expect(ui.frame()).toMatch(/ended\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(1m ago\)/);
    expect(ui.frame()).toMatch(/created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(3m ago\)/);
  });
});
