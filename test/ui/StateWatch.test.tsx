// The dashboard and its watcher of the state dir: a watcher that fails is said on the
// message line, and a dashboard on a FUSE view (bindfs: what another machine writes
// raises no event there) shows a task's end, by polling, and never a stale row over it.
import { cleanup, render } from 'ink-testing-library';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../components/App.js';
import { StateWatchContext } from '../../components/useStateWatch.js';
import { isBroken, type Task, type TaskEntry } from '../../src/core/task.js';
import { DEFAULT_CONFIG } from '../../src/store/config.js';
import { ensureStateDirs, statePaths, type StatePaths } from '../../src/store/paths.js';
import { TaskStore } from '../../src/store/tasks.js';
import { pollReason, StateWatch } from '../../src/store/watch.js';
import { mountView, requireFuse, type View } from '../integration/fuse.js';
import { makeTask, waitFor, writeTaskFile } from '../fixtures/index.js';
import { recordingActions, screen } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-tools-ui-watch-'));
});
afterEach(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function mount(store: TaskStore, watch: StateWatch, columns = 120) {
  const ui = render(
    <StateWatchContext.Provider value={watch}>
      <App store={store} config={DEFAULT_CONFIG} actions={recordingActions([])} size={{ columns, rows: 20 }} />
    </StateWatchContext.Provider>,
  );
  return { ...ui, ...screen(ui) };
}

/** A store that keeps what each re-read of a task file found (the dashboard re-reads through `locate`). */
class ObservedStore extends TaskStore {
  readonly found: TaskEntry[] = [];
  override locate(id: string) {
    const located = super.locate(id);
    if (located) this.found.push(located.entry);
    return located;
  }
}

/** Resolves once the dashboard has subscribed to the task files (and so taken its first look). */
function subscribed(watch: StateWatch): Promise<void> {
  return new Promise((resolve) => {
    const tasks = watch.tasks.bind(watch);
    watch.tasks = (on) => {
      const stop = tasks(on);
      resolve();
      return stop;
    };
  });
}

/** Writes a task as its worker would, wherever it runs: a temp file renamed into place (finished ones in done/). */
const writeTask = (paths: StatePaths, task: Task) => writeTaskFile(paths.home, task);

describe('a watcher that fails', () => {
  it('is said on the message line, not swallowed', async () => {
    const paths = statePaths(join(dir, 'home'));
    ensureStateDirs(paths);
    const ui = mount(new TaskStore(paths), new StateWatch(paths));
    await ui.see('no active tasks');
    // tasks/ replaced under the watch: inotify then says nothing more, and no error comes.
    renameSync(paths.tasks, join(dir, 'aside'));
    mkdirSync(paths.tasks);
    await ui.see(/watching .*tasks failed \(the folder was removed or replaced\); looking now and then/);
  });
});

describe('what the dashboard reads', () => {
  it('a task file that does not parse just after a change is read again before it shows broken', async () => {
    const paths = statePaths(join(dir, 'home'));
    ensureStateDirs(paths);
    const t = makeTask({ id: 'brk00001', description: 'flaky read', createdAt: new Date().toISOString() });
    writeTask(paths, t);
    const store = new ObservedStore(paths);
    const ui = mount(store, new StateWatch(paths));
    await ui.see(/brk00001 .*running/);
    // Half a file (as a stale cache of a network filesystem reads it), read so by the dashboard, then the whole one.
    writeFileSync(join(paths.tasks, 'x.tmp'), JSON.stringify({ ...t, progress: { percent: 40, etaSeconds: null } }).slice(0, 40));
    renameSync(join(paths.tasks, 'x.tmp'), join(paths.tasks, 'brk00001.json'));
    await waitFor(() => store.found.some((e) => e.id === 'brk00001' && isBroken(e)), 'the dashboard to read the half file', 5000);
    writeTask(paths, { ...t, progress: { percent: 60, etaSeconds: null } });
    await ui.see(/brk00001 .*60%/);
    expect(ui.frames.join('')).not.toContain('broken task file');
    // One that stays broken is shown so, after two more reads.
    writeFileSync(join(paths.tasks, 'x.tmp'), '{"id": "brk00001", "trunc');
    renameSync(join(paths.tasks, 'x.tmp'), join(paths.tasks, 'brk00001.json'));
    await ui.see('broken task file', 5000);
  });

  it('shows what Slurm says of a job (a pending reason) from the shared answer, and its warning when the controller did not answer', async () => {
    const paths = statePaths(join(dir, 'home'));
    ensureStateDirs(paths);
    const claimed = Date.now() - 60_000;
    writeTask(
      paths,
      makeTask({
        id: 'slm00001',
        status: 'queued',
        executor: 'hpc',
        runsOn: { kind: 'slurm', jobId: '4211', node: null },
        claimedAt: new Date(claimed).toISOString(),
        createdAt: new Date(claimed).toISOString(),
      }),
    );
    const found = { '4211': { state: 'PENDING', node: null, exitStatus: 0, reason: 'Resources', timeLimit: 3600, timeUsed: 0 } };
    writeFileSync(
      join(paths.home, 'squeue.json'),
      JSON.stringify({
        at: Date.now() - 40_000,
        asked: ['4211'],
        found,
        unchanged: 0,
        failure: { at: Date.now() - 1000, message: 'squeue did not answer within 3 s', count: 1 },
      }),
    );
    const ui = mount(new TaskStore(paths), new StateWatch(paths), 180);
    await ui.see(/slm00001 .*queued +hpc#4211 +\(Resources\)/);
    await ui.see(/cannot ask Slurm about its jobs \(squeue did not answer within 3 s\); showing its answer of 4\d s ago/);
    // Answered again: the line goes, the new state shows.
    writeFileSync(
      join(paths.home, 'squeue.json'),
      JSON.stringify({
        at: Date.now(),
        asked: ['4211'],
        found: { '4211': { ...found['4211'], reason: 'Priority' } },
        unchanged: 0,
        failure: null,
      }),
    );
    await ui.see(/slm00001 .*\(Priority\)/);
    expect(ui.frame()).not.toContain('cannot ask Slurm');
  });
});

describe('a dashboard on a FUSE view', () => {
  requireFuse();
  let fuse: View;
  beforeEach(() => {
    fuse = mountView(join(dir, 'real'), join(dir, 'view'));
    ensureStateDirs(statePaths(fuse.real));
  });
  afterEach(() => {
    cleanup();
    fuse.unmount();
  });

  const task = (status: Task['status'], fields: Partial<Task> = {}) =>
    makeTask({ id: 'far00001', description: 'on another node', status, createdAt: new Date().toISOString(), ...fields });

  it('polls: a task written under REAL appears, changes and ends on screen', async () => {
    const real = statePaths(fuse.real);
    const view = statePaths(fuse.view);
    const watch = new StateWatch(view, { poll: pollReason(view, null, {}) });
    expect(watch.polling).toMatch(/FUSE/);
    const watching = subscribed(watch);
    const ui = mount(new TaskStore(view), watch);
    await ui.see('no active tasks');
    await watching;
    writeTask(real, task('running', { progress: { percent: 20, etaSeconds: null } }));
    await ui.see(/far00001 .*running.* 20%/, 3000);
    writeTask(real, task('running', { progress: { percent: 70, etaSeconds: null } }));
    await ui.see(/far00001 .*running.* 70%/, 3000);
    rmSync(join(real.tasks, 'far00001.json'));
    writeTask(real, task('completed', { progress: { percent: 100, etaSeconds: null }, completedAt: new Date().toISOString() }));
    await ui.see(/far00001 .*completed/, 3000);
  });

  it('by events alone it misses the end, but the all view never shows the stale row over the finished one', async () => {
    const real = statePaths(fuse.real);
    const view = statePaths(fuse.view);
    writeTask(real, task('queued'));
    // Events only, as on a local disk: nothing written under REAL is seen by them.
    const watch = new StateWatch(view);
    const watching = subscribed(watch);
    const ui = mount(new TaskStore(view), watch);
    await ui.see(/far00001 .*queued/);
    await watching;
    rmSync(join(real.tasks, 'far00001.json'));
    writeTask(real, task('completed', { completedAt: new Date().toISOString() }));
    // No event says so (test/integration/watch.test.ts shows a write under REAL raises none on VIEW): the row is
    // still the queued one. The all view reads done/ itself: the end is there, and a final state wins over a row
    // not seen to leave.
    expect(ui.frame()).toMatch(/far00001 .*queued/);
    ui.stdin.write('a');
    await ui.see(/far00001 .*completed/);
    expect(ui.frame()).not.toMatch(/far00001 .*queued/);
  });
});
