// What a new user hit in the dashboard: help from the log pane, old failures counted as
// new, relative times that lag, the clipboard, a pasted multi-line command, a project's
// stages or a command, the launch form's prefill. A real state directory with task files
// written directly; the terminal is Ink's own streams (ink-testing-library's).
// Over 250 lines: one scenario per defect; they share one set-up.
import { cleanup, render } from 'ink-testing-library';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions, LaunchSpec } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { Task } from '../../src/core/task.js';
import type { Config } from '../../src/store/config.js';
import { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, waitFor, writeTaskFile } from '../fixtures/index.js';
import { KEYS, recordingActions, screen, tick } from './helpers.js';

let home: string;
let store: TaskStore;
let launched: LaunchSpec[];
let actions: DashboardActions;
const config: Config = makeConfig({
  maxParallelTasks: 4,
  cancelGraceMs: 500,
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
});

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-first-use-'));
  launched = [];
  actions = recordingActions(launched);
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

const put = (t: Task, where: 'active' | 'done' = 'active') => writeTaskFile(home, t, where);

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
    // One that fails now is new: it alone is counted, and it alone rings (the old ones would have first).
    put({ ...running, status: 'failed', exitCode: 1, completedAt: new Date().toISOString() });
    await ui.see('✖ 1 new failure');
    expect(ui.frame()).not.toContain('new failures');
    expect(ui.frames.slice(before).join('').split('\x07')).toHaveLength(2);
  });
});

describe('relative times', () => {
  it('STARTED and ENDED move with the clock to the unit they show, and read as the detail view reads them', async () => {
    put(
      makeTask({ id: 'end00001', status: 'completed', exitCode: 0, createdAt: ago(200), startedAt: ago(100), completedAt: ago(54) }),
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
    const first = await waitFor(() => /1m ago\s+(5\d)s ago/.exec(row())?.[1], 'started 1m ago, ended some 55s ago', 5000, ui.frame);
    // Nothing runs: still, the seconds tick, and the minute comes.
    await waitFor(() => /1m ago\s+5\ds ago/.test(row()) && !row().includes(`${first}s ago`), 'the next second', 5000, ui.frame);
    await waitFor(() => /1m ago\s+1m ago/.test(row()), 'ended 1m ago', 10_000, ui.frame);
    ui.stdin.write('i');
    await ui.see('▌ detail end00001');
    expect(ui.frame()).toMatch(/started\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(1m ago\)/);
    expect(ui.frame()).toMatch(/ended\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(1m ago\)/);
    expect(ui.frame()).toMatch(/created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(3m ago\)/);
  });
});

describe('the launch form', () => {
  const launches = () => waitFor(() => launched.length > 0 && launched, 'the launch');

  it('n on a project with stages offers its stages or a command of one’s own, run in its directory and environment', async () => {
    const ui = mount();
    await ui.see('no active tasks');
    ui.stdin.write('n');
    await ui.see('pipe  (2 stages)');
    ui.stdin.write(KEYS.enter);
    await ui.see('❯ its 2 stages: build → test');
    await ui.see("a command, in pipe's directory with its environment");
    ui.stdin.write(KEYS.down);
    await ui.see("❯ a command, in pipe's directory");
    ui.stdin.write(KEYS.enter);
    await ui.see('Description:');
    ui.stdin.write('look around');
    await ui.see('Description: look around');
    ui.stdin.write(KEYS.enter);
    await ui.see('Command (sh -c):');
    ui.stdin.write('ls -la');
    await ui.see('Command (sh -c): ls -la');
    ui.stdin.write(KEYS.enter);
    // The project's name: its cwd and env come with it at launch (runner/launch.ts).
    expect(await launches()).toEqual([{ project: 'pipe', description: 'look around', command: ['sh', '-c', 'ls -la'] }]);
  });

  it('the first choice runs the stages', async () => {
    const ui = mount();
    await ui.see('no active tasks');
    ui.stdin.write('n');
    await ui.see('pipe  (2 stages)');
    ui.stdin.write('\r\rthe pipeline\r');
    expect(await launches()).toEqual([{ project: 'pipe', description: 'the pipeline', command: null }]);
  });

  /** Each field's text and its Enter, one key at a time, waiting for each step's label. */
  const fill = async (ui: ReturnType<typeof mount>, fields: [label: string, text: string][]) => {
    for (const [label, text] of fields) {
      ui.stdin.write(KEYS.enter);
      await ui.see(label);
      ui.stdin.write(text);
      await ui.see(`${label} ${text}`);
    }
    ui.stdin.write(KEYS.enter);
  };
  const toName = async (ui: ReturnType<typeof mount>) => {
    await ui.see('no active tasks');
    ui.stdin.write('n');
    await ui.see('other command…');
    ui.stdin.write(KEYS.down);
    await ui.see('❯ other command…');
    ui.stdin.write(KEYS.enter);
    await ui.see('Project name: proj');
  };

  it('"other command…" offers a project name selected: typing replaces it, Enter keeps it', async () => {
    const ui = mount();
    await toName(ui);
    ui.stdin.write('web');
    await ui.see('Project name: web');
    expect(ui.frame()).not.toContain('projweb');
    // From here on it is text as any other: Backspace deletes one character.
    ui.stdin.write('\x7f');
    await ui.see(/Project name: we\s/);
    await fill(ui, [
      ['Description:', 'x'],
      ['Command (sh -c):', 'true'],
    ]);
    expect(await launches()).toEqual([{ project: 'we', description: 'x', command: ['sh', '-c', 'true'] }]);
  });

  it('the offered name: Enter keeps it, Backspace clears it, → keeps it for editing', async () => {
    const ui = mount();
    await toName(ui);
    ui.stdin.write(KEYS.right);
    await tick(50);
    ui.stdin.write('2');
    await ui.see('Project name: proj2');
    ui.stdin.write(KEYS.escape);
    await ui.see('launch abandoned');
    await toName(ui);
    ui.stdin.write('\x7f');
    await waitFor(() => !ui.frame().includes('Project name: proj'), 'the name cleared', 5000, ui.frame);
    ui.stdin.write(KEYS.escape);
    await ui.see('launch abandoned');
    await toName(ui);
    await fill(ui, [
      ['Description:', 'kept'],
      ['Command (sh -c):', 'true'],
    ]);
    expect(await launches()).toEqual([{ project: 'proj', description: 'kept', command: ['sh', '-c', 'true'] }]);
  });

  it('a multi-line paste into the command keeps its lines (sh -c runs them in turn); into the description, they join', async () => {
    const ui = mount();
    await toName(ui);
    ui.stdin.write(KEYS.enter);
    await ui.see('Description:');
    ui.stdin.write('\x1b[200~two\rlines\x1b[201~');
    await ui.see('Description: two lines');
    ui.stdin.write(KEYS.enter);
    await ui.see('Command (sh -c):');
    ui.stdin.write('\x1b[200~echo one\recho two\r\x1b[201~');
    await ui.see('Command (sh -c): echo one⏎echo two⏎');
    await ui.see('pasted lines kept: they run one after another (sh -c)');
    // Nothing submitted by the pasted newlines (a submit is recorded as the keys are handled, before this frame); the typed Enter does.
    expect(launched).toEqual([]);
    ui.stdin.write(KEYS.enter);
    expect(await launches()).toEqual([{ project: 'proj', description: 'two lines', command: ['sh', '-c', 'echo one\necho two\n'] }]);
  });
});
