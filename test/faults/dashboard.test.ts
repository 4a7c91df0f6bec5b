// The dashboard under hostile state: a task's output that tries to clear the screen
// or move the cursor, a log cut while it is followed, a broken task file, and a
// description carrying escape sequences. Driven with ink-testing-library.
import { cleanup, render } from 'ink-testing-library';
import { createElement } from 'react';
import { rmSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { TaskJson } from '../../src/core/task.js';
import type { Config } from '../../src/store/config.js';
import { TaskStore } from '../../src/store/tasks.js';
import { waitFor } from '../integration/harness.js';
import { makeConfig, makeStateDir, makeTaskJson, removeStateDir, writeTaskFile } from '../fixtures/index.js';

let home: string;
let store: TaskStore;
const config: Config = makeConfig({ maxParallelTasks: 4, cancelGraceMs: 500 });
// No task here runs: the fakes only have to exist.
const actions: DashboardActions = {
  launch: async () => Promise.reject(new Error('not in this test')),
  cancel: async () => Promise.reject(new Error('not in this test')),
  restart: async () => Promise.reject(new Error('not in this test')),
  schedule: async () => undefined,
};

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-faults-ui-'));
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

function finished(id: string, fields: Partial<TaskJson> = {}): TaskJson {
  const now = new Date().toISOString();
  const t = makeTaskJson({
    id,
    description: 'hostile output',
    stages: null,
    cwd: home,
    status: 'completed',
    createdAt: now,
    completedAt: now,
    exitCode: 0,
    ...fields,
  });
  return writeTaskFile(home, t, 'done');
}

/** Mounted and switched to all tasks (finished ones included), which these tests are about. */
async function mount() {
  const ui = render(createElement(App, { store, config, actions, size: { columns: 100, rows: 24 }, scheduleEveryMs: 60_000 }));
  const frame = () => ui.lastFrame() ?? '';
  const see = async (text: string, timeoutMs = 5000) => {
    try {
      await waitFor(() => frame().includes(text) || undefined, `the screen to show ${JSON.stringify(text)}`, timeoutMs, 15);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- last frame ---\n${frame()}`, { cause: err });
    }
  };
  await see('active');
  ui.stdin.write('a');
  await waitFor(() => !frame().includes('No running') || undefined, 'the all-tasks view', 5000, 15).catch(() => undefined);
  return { ...ui, frame, see };
}

// Everything a task may print that would move, clear or retitle the user's terminal.
const HOSTILE = [
  '\x1b[2J',
  '\x1b[H',
  '\x1b[3;1H',
  '\x1b[?1049l',
  '\x1b[?25l',
  '\x1b]0;pwned\x07',
  '\x1b]8;;http://x\x1b\\',
  '\x1bc',
  '\x9b2J',
  '\r',
  '\x08',
  '\x07',
];
// Colours are SGR (`ESC [ ... m`: Ink's own, and a task's, which the log pane keeps); anything else in a frame came from the task.
const FOREIGN = /\x1b(?!\[[0-9;]*m)|\x9b|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/;

describe('dashboard against hostile task state', () => {
  it('a log full of screen-clearing, cursor-moving and title escapes is shown as text, its colours kept', async () => {
    writeFileSync(
      store.logPath('ansi0001'),
      `first line\n${HOSTILE.join('x')}visible-after-escapes\n\x1b[31mred text\x1b[0m\nprogress 10%\rprogress 99%\nlast line\n`,
    );
    finished('ansi0001');
    const ui = await mount();
    await ui.see('last line');
    await ui.see('visible-after-escapes');
    await ui.see('progress 99%');
    expect(ui.frame()).not.toMatch(FOREIGN);
    expect(ui.frame()).not.toContain('pwned');
    expect(ui.frame()).toContain('\x1b[31mred text\x1b[39m');
  });

  it('the followed log is cut to nothing and grows again: the new text is shown, the old is gone', async () => {
    finished('cut00001', { status: 'running', completedAt: null, exitCode: null, pid: null, claimedAt: new Date().toISOString() });
    writeFileSync(store.logPath('cut00001'), `${'old output line\n'.repeat(200)}old-tail\n`);
    const ui = await mount();
    await ui.see('old-tail');
    truncateSync(store.logPath('cut00001'), 0);
    appendFileSync(store.logPath('cut00001'), 'fresh start\n');
    await ui.see('fresh start');
    expect(ui.frame()).not.toContain('old-tail');
    rmSync(store.logPath('cut00001'));
    appendFileSync(store.logPath('cut00001'), 'recreated\n');
    await ui.see('recreated');
  });

  it('a broken task file is a broken row, not a crash, and the other tasks still show', async () => {
    finished('good0001', { description: 'the good one' });
    writeFileSync(store.activePath('bad00001'), '{"id": "bad00001", "status": "runn');
    const ui = await mount();
    await ui.see('good0001');
    await ui.see('broken task file');
    expect(ui.frame()).toContain('bad00001');
  });

  it('a description carrying escape sequences does not reach the screen raw in the table', async () => {
    finished('desc0001', {
      description: `evil${HOSTILE.join('')}desc`,
      status: 'running',
      completedAt: null,
      exitCode: null,
      claimedAt: new Date().toISOString(),
    });
    const ui = await mount();
    await ui.see('desc0001');
    expect(ui.frame()).not.toMatch(FOREIGN);
  });

  // Open fault, owned by the dashboard (components/App.tsx builds the question from the raw
  // description; components/actions.ts describeLaunch does the same for the message line).
  it('a description carrying escape sequences does not reach the screen raw in the cancel question', async () => {
    finished('desc0002', {
      description: `evil${HOSTILE.join('')}desc`,
      status: 'running',
      completedAt: null,
      exitCode: null,
      claimedAt: new Date().toISOString(),
    });
    const ui = await mount();
    await ui.see('desc0002');
    ui.stdin.write('c');
    await ui.see('Cancel desc0002');
    expect(ui.frame()).not.toMatch(FOREIGN);
  });

  it("a task file's project, stage and error, and a broken file's reason, reach the screen clean", async () => {
    const evil = '\x1b[2J\x1b]0;pwned\x07\u202eevil\u202c\x9b31m';
    finished('proj0001', {
      project: `web${evil}`,
      status: 'failed',
      exitCode: 3,
      error: `oops${evil}`,
      stage: { index: 0, count: 1, name: `st${evil}` },
    });
    writeFileSync(store.activePath('brkn0001'), `{"id": "brkn0001", "status": "${evil}"}`);
    const ui = await mount();
    await ui.see('proj0001');
    await ui.see('broken task file');
    ui.stdin.write('g');
    await ui.see('oops');
    expect(ui.frame()).not.toMatch(FOREIGN);
    expect(ui.frame()).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });
});
