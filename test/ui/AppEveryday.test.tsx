// The dashboard people keep open all day: detail, sort, jump to failures, the
// pager and editor round trip, bell and header, OSC 52 copy, edit before restart.
// A real state directory with task files written directly; the terminal is Ink's own
// streams (ink-testing-library's), the pager and editor real programs (sh scripts).
// Over 250 lines: one scenario per key of the issue; they share one set-up.
import { cleanup, render } from 'ink-testing-library';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions, LaunchSpec, RestartEdit } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { Task } from '../../src/core/task.js';
import { CLEAR_SCREEN, ENTER_SCREEN, LEAVE_SCREEN } from '../../src/core/terminal-codes.js';
import type { Config } from '../../src/store/config.js';
import { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, waitFor, writeTaskFile } from '../fixtures/index.js';
import { KEYS, recordingActions, screen, tick } from './helpers.js';

let home: string;
let store: TaskStore;
let launched: LaunchSpec[];
let restarted: { id: string; edit?: RestartEdit }[];
let actions: DashboardActions;
const config: Config = makeConfig({
  maxParallelTasks: 4,
  cancelGraceMs: 500,
  projects: {
    pipe: {
      env: { SECRET: 'hunter2' },
      stages: [
        { name: 'build', run: 'make' },
        { name: 'test', run: 'make test' },
      ],
    },
  },
});

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-everyday-'));
  launched = [];
  restarted = [];
  actions = recordingActions(launched, restarted);
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

const put = (t: Task, where: 'active' | 'done' = 'active') => writeTaskFile(home, t, where);

function at(seconds: number): string {
  return new Date(Date.UTC(2024, 0, 1, 0, 0, seconds)).toISOString();
}

/**
 * A program that records its argument, and what it found there (the file's mode and text),
 * and exits, as a pager or an editor would once the user quits it.
 */
function recordingProgram(name: string): { command: string; calls: () => string[]; seen: () => string[] } {
  const out = join(home, `${name}.calls`);
  const seen = join(home, `${name}.seen`);
  const script = join(home, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${out}'\n{ stat -c %a "$1"; cat "$1"; } >> '${seen}'\n`);
  chmodSync(script, 0o700);
  return {
    command: script,
    calls: () => {
      try {
        return readFileSync(out, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    seen: () => {
      try {
        return readFileSync(seen, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

/** The copy a program was given: a private folder of its own, the task's log by name, gone once the program is done. */
const LOG_COPY = (id: string) => new RegExp(`^${tmpdir()}/dev-tools-log-[^/]+/${id}\\.log$`);

function mount(props: { pager?: string; editor?: string } = {}) {
  const ui = render(
    <App
      store={store}
      config={config}
      actions={actions}
      size={{ columns: 100, rows: 30 }}
      scheduleEveryMs={60_000}
      programs={{ pager: props.pager ?? 'false', editor: props.editor ?? 'false' }}
      env={{}}
    />,
  );
  const { frame, see } = screen(ui);
  const rows = () => frame().split('\n');
  return { ...ui, frame, see, rows };
}

describe('task detail', () => {
  it('i shows the whole record: stages, cwd, env keys without values, times, exit, error, restart chain, ETA source', async () => {
    put(makeTask({ id: 'orig0001', project: 'pipe', status: 'failed', createdAt: at(0) }), 'done');
    put(makeTask({ id: 'again002', project: 'pipe', status: 'failed', createdAt: at(1), restartOf: 'orig0001' }), 'done');
    put(
      makeTask({
        id: 'third003',
        project: 'pipe',
        description: 'the third try',
        command: null,
        stages: config.projects.pipe!.stages,
        cwd: '/srv/pipe',
        env: { SECRET: 'hunter2', NODE_ENV: 'production' },
        status: 'interrupted',
        createdAt: at(2),
        startedAt: at(3),
        completedAt: at(65),
        stage: { index: 1, count: 2, name: 'test', phase: null },
        exitCode: null,
        signal: null,
        error: 'worker 4242 died while running',
        restartOf: 'again002',
      }),
    );
    const ui = mount();
    await ui.see('third003');
    ui.stdin.write('i');
    await ui.see('▌ detail third003');
    const f = ui.frame();
    expect(f).toMatch(/status\s+! interrupted/);
    expect(f).toMatch(/cwd\s+\/srv\/pipe/);
    expect(f).toMatch(/env\s+NODE_ENV, SECRET \(values hidden\)/);
    expect(f).not.toContain('hunter2');
    expect(f).toMatch(/started\s+2024-01-01 \d\d:00:03 \(\d+d ago\)/);
    expect(f).toMatch(/duration\s+1m02s/);
    expect(f).toMatch(/error\s+worker 4242 died while running/);
    expect(f).toMatch(/1\. build\s+done · make/);
    expect(f).toMatch(/2\. test\s+stopped · make test/);
    expect(f).toMatch(/restart of\s+again002 ← orig0001/);
    expect(f).toMatch(/eta\s+none now \(ended\); no completed runs yet/);
    // The footer says what the detail view's keys are; Esc goes back.
    expect(ui.rows().filter(Boolean).at(-1)).toContain('Esc/i/q back');
    ui.stdin.write(KEYS.escape);
    await waitFor(() => !ui.frame().includes('▌ detail'), 'the detail to close', 5000, ui.frame);
  });

  it('a running task: its ETA and where it comes from', async () => {
    put(
      makeTask({
        id: 'run00001',
        startedAt: new Date(Date.now() - 30_000).toISOString(),
        progress: { percent: 40, message: 'compiling', etaSeconds: 600, etaSource: 'markers', updatedAt: new Date().toISOString() },
      }),
    );
    const ui = mount();
    await ui.see('run00001');
    ui.stdin.write('i');
    await ui.see(/eta\s+(9m5\d|10m00)s from the rate of the progress markers so far/);
    expect(ui.frame()).toMatch(/progress\s+40% · compiling/);
    expect(ui.frame()).toMatch(/exit\s+-/);
  });
});

describe('sort and jump', () => {
  beforeEach(() => {
    put(makeTask({ id: 'a0000001', project: 'zeta', status: 'running', createdAt: at(0), progress: { percent: 10, etaSeconds: null } }));
    put(makeTask({ id: 'b0000002', project: 'alpha', status: 'failed', createdAt: at(1), completedAt: at(2) }));
    put(makeTask({ id: 'c0000003', project: 'mid', status: 'queued', createdAt: at(2) }));
    put(makeTask({ id: 'd0000004', project: 'beta', status: 'interrupted', createdAt: at(3), completedAt: at(4) }));
    put(makeTask({ id: 'e0000005', project: 'omega', status: 'running', createdAt: at(4), progress: { percent: 90, etaSeconds: null } }));
  });
  // The table's rows, in order (the log pane's title names the selected one again below them).
  const order = (frame: string) => [...frame.matchAll(/^[› ] ([a-e]000000\d)\b/gm)].map((m) => m[1]![0]).join('');

  it('s cycles newest, status, project, progress, duration and back; the header says which', async () => {
    const ui = mount();
    await ui.see('e0000005');
    expect(order(ui.frame())).toBe('abcde');
    ui.stdin.write('s');
    await ui.see('sort: newest first');
    expect(order(ui.frame())).toBe('edcba');
    ui.stdin.write('s');
    await ui.see('sort: by status');
    expect(order(ui.frame())).toBe('bdaec');
    ui.stdin.write('s');
    await ui.see('sort: by project');
    expect(order(ui.frame())).toBe('bdcea');
    ui.stdin.write('s');
    await ui.see('sort: by progress');
    expect(order(ui.frame()).slice(0, 2)).toBe('ea');
    ui.stdin.write('s');
    await ui.see('sort: by duration');
    ui.stdin.write('s');
    await waitFor(() => !ui.frame().includes('sort:'), 'the default order', 5000, ui.frame);
    expect(order(ui.frame())).toBe('abcde');
  });

  it('f and F jump to the next and previous failed or interrupted task, wrapping', async () => {
    const ui = mount();
    await ui.see('1/5');
    ui.stdin.write('f');
    await ui.see('› b0000002');
    ui.stdin.write('f');
    await ui.see('› d0000004');
    ui.stdin.write('f');
    await ui.see('› b0000002');
    ui.stdin.write('F');
    await ui.see('› d0000004');
  });

  it('the filter matches status words', async () => {
    const ui = mount();
    await ui.see('1/5');
    ui.stdin.write('/failed');
    await ui.see('1/1');
    expect(ui.frame()).toContain('b0000002');
    expect(ui.frame()).not.toContain('a0000001');
  });
});

describe('pager and editor', () => {
  it('o hands the terminal to $PAGER on a read-only copy of the log without its marker lines, and takes it back', async () => {
    const pager = recordingProgram('pager');
    const t = put(makeTask({ id: 'log00001' }));
    writeFileSync(store.logPath(t.id), 'hello\n::progress 50\n::stage build\nbye\n');
    const ui = mount({ pager: pager.command });
    await ui.see('bye');
    const before = ui.frames.length;
    ui.stdin.write('o');
    await ui.see(`back from ${pager.command}`);
    expect(pager.calls()).toHaveLength(1);
    expect(pager.calls()[0]).toMatch(LOG_COPY(t.id));
    expect(pager.seen()).toEqual(['400', 'hello', 'bye']);
    expect(existsSync(dirname(pager.calls()[0]!))).toBe(false);
    // The log itself is as the command wrote it.
    expect(readFileSync(store.logPath(t.id), 'utf8')).toBe('hello\n::progress 50\n::stage build\nbye\n');
    const written = ui.frames.slice(before);
    // Out: main screen and cursor shown; back: alternate screen, cleared, cursor hidden.
    expect(written.join('')).toContain(LEAVE_SCREEN);
    const back = written.findIndex((f) => f.includes(ENTER_SCREEN + CLEAR_SCREEN));
    expect(back).toBeGreaterThanOrEqual(0);
    // Then the dashboard again. (ink-testing-library draws every frame whole, so that Ink redraws
    // everything on the cleared screen is proven in tmux: test/e2e/dashboard.test.ts.)
    expect(written.at(-1)).toContain('log00001');
    ui.stdin.write('?');
    await ui.see('Keys (');
  });

  it('e opens a read-only copy of the log in $EDITOR; a program that is missing is said so', async () => {
    const editor = recordingProgram('editor');
    const t = put(makeTask({ id: 'log00002' }));
    writeFileSync(store.logPath(t.id), 'x\n');
    const ui = mount({ editor: editor.command, pager: '/nonexistent/pager' });
    await ui.see('log00002');
    ui.stdin.write('e');
    await ui.see(`back from ${editor.command}`);
    expect(editor.calls()[0]).toMatch(LOG_COPY(t.id));
    expect(editor.seen()).toEqual(['400', 'x']);
    ui.stdin.write('o');
    await ui.see('/nonexistent/pager: command not found (set $PAGER)');
  });

  it('from the log pane too, and a task without a log says so', async () => {
    const pager = recordingProgram('pager');
    put(makeTask({ id: 'nolog001', status: 'queued' }));
    const ui = mount({ pager: pager.command });
    await ui.see('nolog001');
    ui.stdin.write(KEYS.tab);
    await ui.see('▌ log');
    ui.stdin.write('o');
    await ui.see('nolog001 has no log yet');
    expect(pager.calls()).toEqual([]);
    // The terminal was not handed over (nothing would redraw the cleared screen).
    expect(ui.frames.join('')).not.toContain('\x1b[?1049l');
  });
});

describe('bell, copy, edit before restart', () => {
  it('a task that fails while the dashboard is open rings the bell and shows in the header until seen; b turns the bell off', async () => {
    put(makeTask({ id: 'old00001', status: 'failed', createdAt: at(0) }));
    const t = put(makeTask({ id: 'new00002', status: 'running', createdAt: at(1) }));
    const ui = mount();
    await ui.see('new00002');
    // A failure from before the dashboard opened is old news.
    expect(ui.frame()).not.toContain('new failure');
    const before = ui.frames.length;
    put({ ...t, status: 'failed', exitCode: 1, completedAt: new Date().toISOString() });
    await ui.see('✖ 1 new failure');
    expect(ui.frames.slice(before).join('')).toContain('\x07');
    // Seen once selected.
    ui.stdin.write('j');
    await waitFor(() => !ui.frame().includes('new failure'), 'the alert to go once seen', 5000, ui.frame);
    ui.stdin.write('b');
    await ui.see('bell on failure and input off');
    await ui.see('bell off');
    const quiet = ui.frames.length;
    const u = put(makeTask({ id: 'new00003', status: 'running', createdAt: at(2) }));
    await ui.see('new00003');
    put({ ...u, status: 'interrupted', completedAt: new Date().toISOString() });
    await ui.see('✖ 1 new failure');
    expect(ui.frames.slice(quiet).join('')).not.toContain('\x07');
  });

  it('y sends the selected id to the clipboard with OSC 52 and says so (outside tmux)', async () => {
    put(makeTask({ id: 'copy0001' }));
    const ui = mount();
    await ui.see('copy0001');
    const before = ui.frames.length;
    ui.stdin.write('y');
    await ui.see("sent copy0001 to the terminal's clipboard (OSC 52)");
    expect(ui.frames.slice(before).join('')).toContain(`\x1b]52;c;${Buffer.from('copy0001').toString('base64')}\x07`);
  });

  it('R opens the launch form filled from the task; the edit restarts it as r does (restartTask)', async () => {
    put(makeTask({ id: 'fail0001', project: 'web', description: 'build it', command: ['sh', '-c', 'npm run buld'], status: 'failed' }));
    const ui = mount();
    await ui.see('fail0001');
    ui.stdin.write('R');
    await ui.see('Edit and restart fail0001');
    await ui.see('Project name: web');
    ui.stdin.write(KEYS.enter);
    await ui.see('Description: build it');
    ui.stdin.write(' again');
    await tick();
    ui.stdin.write(KEYS.enter);
    await ui.see('Command (sh -c): npm run buld');
    // Fix the typo: cursor is at the end; delete "ld", type "ild".
    ui.stdin.write('\x7f\x7fild');
    await ui.see('npm run build');
    ui.stdin.write(KEYS.enter);
    await waitFor(() => restarted.length === 1 || undefined, 'the restart', 5000, ui.frame);
    expect(restarted[0]).toEqual({
      id: 'fail0001',
      edit: { project: 'web', description: 'build it again', command: ['sh', '-c', 'npm run build'] },
    });
    expect(launched).toEqual([]);
  });

  it('R on a pipeline task: an empty command runs the project stages', async () => {
    put(makeTask({ id: 'pipe0001', project: 'pipe', command: null, stages: config.projects.pipe!.stages, status: 'failed' }));
    const ui = mount();
    await ui.see('pipe0001');
    ui.stdin.write('R');
    await ui.see('Project name: pipe');
    ui.stdin.write(KEYS.enter);
    await ui.see('Description: build it');
    ui.stdin.write(KEYS.enter);
    await ui.see("empty: the project's stages");
    ui.stdin.write(KEYS.enter);
    await waitFor(() => restarted.length === 1 || undefined, 'the restart', 5000, ui.frame);
    expect(restarted[0]).toEqual({ id: 'pipe0001', edit: { project: 'pipe', description: 'build it', command: null } });
  });

  it('R on a task still running asks before it cancels it, as r does; No leaves it be', async () => {
    put(makeTask({ id: 'busy0001', project: 'web', command: ['sh', '-c', 'sleep 9'], status: 'running' }));
    const ui = mount();
    await ui.see('busy0001');
    ui.stdin.write('R');
    await ui.see('Project name: web');
    ui.stdin.write(KEYS.enter);
    await ui.see('Description: build it');
    ui.stdin.write(KEYS.enter);
    await ui.see('Command (sh -c): sleep 9');
    ui.stdin.write(KEYS.enter);
    await ui.see('busy0001 is still running: cancel it and start it again?');
    ui.stdin.write(KEYS.enter);
    await ui.see('nothing done');
    expect(restarted).toEqual([]);
    expect(launched).toEqual([]);
  });
});
