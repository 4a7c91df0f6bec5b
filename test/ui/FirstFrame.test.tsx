// The first picture the CLI draws while the dashboard loads (src/cli/first-frame.ts)
// must be the dashboard's own header and table, cell for cell: the dashboard's first
// frame replaces it, and a row that moved or changed would flicker.
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions } from '../../components/actions.js';
import { App } from '../../components/App.js';
import { firstFrame } from '../../src/cli/first-frame.js';
import { stripSequences } from '../../src/core/terminal-text.js';
import type { Config } from '../../src/store/config.js';
import { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, waitFor } from '../fixtures/index.js';

let home: string;
let store: TaskStore;
const config: Config = makeConfig({ maxParallelTasks: 3, cancelGraceMs: 500 });
// Nothing here may start a worker: the tasks are pictures, not work.
const actions: DashboardActions = {
  launch: () => Promise.reject(new Error('not in this test')),
  cancel: () => Promise.reject(new Error('not in this test')),
  restart: () => Promise.reject(new Error('not in this test')),
  schedule: () => Promise.resolve(),
};

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-first-frame-'));
});

afterEach(() => {
  cleanup();
  removeStateDir(home);
});

const lines = (text: string) =>
  stripSequences(text.replaceAll('\x1b[K', ''))
    .split(/\r?\n/)
    .map((l) => l.trimEnd());

describe('the first frame drawn before the dashboard loads', () => {
  it.each([
    { columns: 120, rows: 30, tasks: 3 },
    { columns: 80, rows: 12, tasks: 9 },
  ])('is the dashboard header and table at $columns x $rows with $tasks tasks', async ({ columns, rows, tasks }) => {
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    for (let i = 0; i < tasks; i++) {
      store.write(
        makeTask({
          id: `task000${i}`,
          description: `job ${i} 表`,
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          status: i < 2 ? 'running' : 'queued',
          // This process: alive, so nothing reaps the picture while it is compared.
          ...(i < 2
            ? {
                runsOn: { kind: 'local', pid: process.pid },
                startedAt: hourAgo,
                progress: { percent: 40 + i, message: 'compiling', etaSeconds: null },
              }
            : {}),
        }),
      );
    }
    const drawn = lines(firstFrame(store, config.maxParallelTasks, columns, rows));
    const ui = render(<App store={store} config={config} actions={actions} size={{ columns, rows }} defaultProject="adhoc" />);
    const frame = await waitFor(
      () => ui.lastFrame()?.includes('task0000') && ui.lastFrame(),
      'the dashboard',
      5000,
      () => ui.lastFrame(),
    );
    expect(drawn.length).toBeGreaterThan(2);
    expect(lines(frame).slice(0, drawn.length)).toEqual(drawn);
  });
});
