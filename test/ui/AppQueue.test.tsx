// The queue's controls in the dashboard: why a queued task waits (STAGE, detail), the
// header's pause, and `p` pausing and resuming the selected task's project for real.
import { cleanup, render } from 'ink-testing-library';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions, LaunchSpec } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { Task } from '../../src/core/task.js';
import { setPaused } from '../../src/runner/queue-control.js';
import type { Config } from '../../src/store/config.js';
import { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, waitFor, writeTaskFile } from '../fixtures/index.js';
import { recordingActions, screen } from './helpers.js';

let home: string;
let store: TaskStore;
const config: Config = makeConfig({ maxParallelTasks: 4, projects: { web: { env: {}, stages: [], maxParallel: 1 } } });

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-queue-'));
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

const at = (seconds: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, seconds)).toISOString();
const put = (t: Task) => writeTaskFile(home, t);

function open(actions: DashboardActions) {
  const ui = render(
    <App store={store} config={config} actions={actions} size={{ columns: 140, rows: 30 }} scheduleEveryMs={60_000} env={{}} />,
  );
  return { ...ui, ...screen(ui) };
}

/** The recording actions, with pause and resume done for real on the state dir (as the dashboard's own do). */
function withPause(): DashboardActions {
  return { ...recordingActions([]), setPaused: (project, paused, c) => setPaused(store, c, project, paused) };
}

describe('the queue in the dashboard', () => {
  it('STAGE says why a queued task waits: a dependency, its project full; the detail view names its dependencies and priority', async () => {
    // Running tasks point at this process: alive, so nobody reaps them.
    put(makeTask({ id: 'build001', project: 'api', status: 'running', createdAt: at(0), pid: process.pid }));
    put(makeTask({ id: 'webrun01', project: 'web', status: 'running', createdAt: at(1), pid: process.pid }));
    put(makeTask({ id: 'deploy01', project: 'api', status: 'queued', createdAt: at(2), after: ['build001'], priority: 4 }));
    put(makeTask({ id: 'webnext1', project: 'web', status: 'queued', createdAt: at(3) }));
    const ui = open(recordingActions([]));
    await ui.see('⧗ after buil');
    await ui.see('⧗ web full (1)');
    ui.stdin.write('G');
    ui.stdin.write('k');
    await ui.see(/› deploy01/);
    ui.stdin.write('i');
    await ui.see(/after\s+build001/);
    expect(ui.frame()).toMatch(/waiting\s+after buil/);
    expect(ui.frame()).toMatch(/priority\s+4/);
  });

  it("p pauses the selected task's project (paused.json, the header, STAGE), p again resumes it", async () => {
    put(makeTask({ id: 'webrun01', project: 'web', status: 'running', createdAt: at(1), pid: process.pid }));
    put(makeTask({ id: 'webnext1', project: 'web', status: 'queued', createdAt: at(2) }));
    const ui = open(withPause());
    await ui.see('⧗ web full (1)');
    ui.stdin.write('p');
    await ui.see('paused project web');
    await ui.see('⏸ paused: web');
    await ui.see('⧗ paused');
    expect(JSON.parse(readFileSync(join(home, 'paused.json'), 'utf8'))).toEqual({ all: false, projects: ['web'] });
    // A pause made in another shell shows too: the file is watched.
    await setPaused(store, config, null, true);
    await ui.see('⏸ paused: all projects (and web)');
    await setPaused(store, config, null, false);
    await waitFor(() => !ui.frame().includes('⏸') || undefined, 'the header to drop the pause');
    ui.stdin.write('p');
    await ui.see('⏸ paused: web');
    ui.stdin.write('p');
    await waitFor(() => !existsSync(join(home, 'paused.json')) || undefined, 'paused.json to go');
    await waitFor(() => !ui.frame().includes('⏸') || undefined, 'the header to drop the pause');
  });

  it('space marks rows; c then cancels every marked task after one question listing them, r restarts them', async () => {
    put(makeTask({ id: 'runa0001', project: 'web', status: 'running', createdAt: at(1), pid: process.pid }));
    put(makeTask({ id: 'runb0002', project: 'api', status: 'running', createdAt: at(2), pid: process.pid }));
    put(makeTask({ id: 'runc0003', project: 'api', status: 'running', createdAt: at(3), pid: process.pid }));
    const cancelled: string[] = [];
    const restarted: { id: string }[] = [];
    const actions: DashboardActions = {
      ...recordingActions([], restarted),
      cancel: async (id) => {
        cancelled.push(id);
        return { task: makeTask({ id, status: 'cancelled' }), message: `cancelled ${id}` };
      },
    };
    const ui = open(actions);
    await ui.see('runc0003');
    ui.stdin.write(' ');
    await ui.see(/›•runa0001/);
    ui.stdin.write('G');
    await ui.see(/›\s?runc0003/);
    ui.stdin.write(' ');
    await ui.see(/›•runc0003/);
    expect(ui.frame()).toMatch(/ •runa0001/);
    ui.stdin.write('c');
    await ui.see('Cancel 2 marked tasks (runa0001, runc0003)?');
    ui.stdin.write('y');
    await ui.see('cancelled 2 tasks');
    expect(cancelled).toEqual(['runa0001', 'runc0003']);
    // The marks go once acted on.
    expect(ui.frame()).not.toContain('•');
    ui.stdin.write(' ');
    await ui.see(/›•runc0003/);
    ui.stdin.write('r');
    await ui.see('Restart 1 marked tasks as new tasks (runc0003)?');
    ui.stdin.write('y');
    await ui.see('restarted 1 tasks');
    // Still running: cancelled first, then restarted.
    expect(cancelled).toEqual(['runa0001', 'runc0003', 'runc0003']);
    expect(restarted).toEqual([{ id: 'runc0003' }]);
  });

  it('the launch form takes queue options on its last field (Tab), checked as the CLI checks them', async () => {
    const launched: LaunchSpec[] = [];
    const ui = open(recordingActions(launched));
    await ui.see('no active tasks');
    ui.stdin.write('n');
    await ui.see('other command…');
    for (let i = 0; i < 3; i++) ui.stdin.write('j');
    ui.stdin.write('\r');
    await ui.see('Project name:');
    ui.stdin.write('\r');
    await ui.see('Description:');
    ui.stdin.write('deploy it\r');
    await ui.see('Command (sh -c):');
    ui.stdin.write('./deploy.sh');
    ui.stdin.write('\t');
    await ui.see('Queue options:');
    ui.stdin.write('--priority high\r');
    await ui.see('--priority must be a whole number');
    for (let i = 0; i < 4; i++) ui.stdin.write('\x7f');
    ui.stdin.write('5 --timeout 10m --after=abcd\r');
    await waitFor(() => launched.length === 1 || undefined, 'the launch');
    expect(launched[0]).toMatchObject({
      project: 'adhoc',
      description: 'deploy it',
      command: ['sh', '-c', './deploy.sh'],
      queue: { priority: 5, timeout: 600, after: ['abcd'] },
    });
  });
});
