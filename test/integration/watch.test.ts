// The dashboard's watcher of the state dir. On a real FUSE view (bindfs), what another
// machine writes (here: under REAL) raises no inotify event on VIEW, so on such a
// filesystem it polls, sees each change within a few seconds, backs off while nothing
// changes, and says what goes wrong instead of going quiet. On a local disk it watches
// by events, and falls back to polling, saying so, when a watch fails or loses its folder.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { ensureStateDirs, statePaths, type StatePaths } from '../../src/store/paths.js';
import { sharedFilesystem } from '../../src/store/filesystem.js';
import { pollReason, StateWatch } from '../../src/store/watch.js';
import { makeTask, waitFor, writeTaskFile } from '../fixtures/index.js';
import { mountView, requireFuse, type View } from './fuse.js';

let dir: string;
const stops: (() => void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-tools-watch-'));
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A task file written as the store writes it: a temp file renamed into place (in done/ when final). */
const writeTask = (paths: StatePaths, id: string, status: Task['status']) => writeTaskFile(paths.home, makeTask({ id, status }));

/** Records what a watcher reports, with when. */
function recorder() {
  const seen: { what: string; at: number }[] = [];
  return {
    seen,
    add: (what: string) => seen.push({ what, at: Date.now() }),
    /** Waits for `what`, at most 3 s after `since`: the dashboard's promise for a change. */
    within3s: async (what: string, since: number) => {
      const hit = await waitFor(() => seen.find((s) => s.what === what && s.at >= since), `${what} to be reported`, 5000, 20);
      expect(hit.at - since, `${what} was reported ${hit.at - since} ms after the change`).toBeLessThanOrEqual(3000);
    },
  };
}

describe('a state dir on a FUSE view', () => {
  requireFuse();
  let fuse: View;
  let real: StatePaths;
  let view: StatePaths;
  beforeEach(() => {
    fuse = mountView(join(dir, 'real'), join(dir, 'view'));
    real = statePaths(fuse.real);
    view = statePaths(fuse.view);
    ensureStateDirs(real);
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    fuse.unmount();
  });

  it('bindfs works here (/dev/fuse), and a write under REAL raises no inotify event on VIEW', async () => {
    expect(sharedFilesystem(fuse.view)).toBe('FUSE');
    expect(sharedFilesystem(fuse.real)).toBeNull();
    const events: string[] = [];
    const w = watch(view.tasks, (_event, name) => events.push(String(name)));
    try {
      writeTask(real, 'aaaa0001', 'running');
      await waitFor(() => {
        try {
          return JSON.parse(readFileSync(join(view.tasks, 'aaaa0001.json'), 'utf8')).status === 'running';
        } catch {
          return false;
        }
      }, 'the file to show under VIEW');
      // A file made through VIEW raises one, delivered after any the write under REAL would have raised.
      writeFileSync(join(view.tasks, 'probe'), '');
      await waitFor(() => events.includes('probe') || undefined, 'the event of a write through VIEW', 5000);
      expect(events.filter((name) => name.startsWith('aaaa0001'))).toEqual([]);
    } finally {
      w.close();
    }
  });

  it('is polled: because of the filesystem, an executor elsewhere, or DEV_TOOLS_WATCH=poll', () => {
    expect(pollReason(view, null, {})).toBe('the state dir is on FUSE: writes from other machines raise no event here');
    expect(pollReason(real, null, {})).toBeNull();
    expect(pollReason(real, { executors: { hpc: {} } }, {})).toBe('executor "hpc" runs tasks on other machines');
    expect(pollReason(real, null, { DEV_TOOLS_WATCH: 'poll' })).toBe('DEV_TOOLS_WATCH=poll');
    expect(pollReason(view, null, { DEV_TOOLS_WATCH: 'events' })).toBeNull();
  });

  it('polling sees a task appear, change, finish and go, config.json and a log grow, each within 3 s', async () => {
    const watcher = new StateWatch(view, { poll: pollReason(view, null, {}) });
    const r = recorder();
    stops.push(
      watcher.tasks({
        active: (id) => r.add(`active ${id}`),
        archived: (id) => r.add(`archived ${id}`),
        doneChanged: () => r.add('done changed'),
        ready: () => r.add('ready'),
      }),
      watcher.file(view.config, () => r.add('config')),
      watcher.log(join(view.logs, 'aaaa0001.log'), () => r.add('log')),
    );
    await waitFor(() => r.seen.some((s) => s.what === 'ready') || undefined, 'the watch to be in place');
    // Let it back off first: a change after a quiet spell is the slow case.
    await waitFor(() => watcher.pollMs === 1500 || undefined, 'the poller to back off to 1.5 s', 10_000);

    let t = Date.now();
    writeTask(real, 'aaaa0001', 'queued');
    await r.within3s('active aaaa0001', t);
    expect(watcher.pollMs).toBeLessThan(1500); // a change: it looks again soon

    t = Date.now();
    writeTask(real, 'aaaa0001', 'running');
    await r.within3s('active aaaa0001', t);

    t = Date.now();
    appendFileSync(join(real.logs, 'aaaa0001.log'), 'output\n');
    await r.within3s('log', t);

    t = Date.now();
    renameSync(join(real.tasks, 'aaaa0001.json'), join(real.done, 'aaaa0001.json'));
    await r.within3s('active aaaa0001', t);
    await r.within3s('done changed', t);

    t = Date.now();
    rmSync(join(real.done, 'aaaa0001.json'));
    await r.within3s('done changed', t);

    t = Date.now();
    writeFileSync(join(real.home, 'config.json'), '{"maxParallelTasks": 3}');
    await r.within3s('config', t);
    expect(watcher.problem).toBeNull();
  });

  it('says what goes wrong: a view that went away; and clears once it is back', async () => {
    const polling = new StateWatch(view, { poll: 'test' });
    const problems: (string | null)[] = [];
    stops.push(polling.onProblem((p) => problems.push(p)));
    stops.push(polling.tasks({ active: () => {}, archived: () => {}, ready: () => {} }));
    fuse.unmount();
    await waitFor(
      () => problems.some((p) => p?.startsWith(`cannot read ${view.tasks} (`)) || undefined,
      'the problem to be reported',
      5000,
    );
    fuse = mountView(fuse.real, fuse.view);
    await waitFor(() => (problems.at(-1) === null ? true : undefined), 'the problem to clear', 5000);
  });
});

describe('a state dir on a local disk: events, and polling when they fail', () => {
  let local: StatePaths;
  beforeEach(() => {
    local = statePaths(join(dir, 'local'));
    ensureStateDirs(local);
  });

  /** Subscribes to the task files; what it reports goes into `seen`, its problems into `problems`. */
  function follow(watcher: StateWatch) {
    const seen: string[] = [];
    const problems: (string | null)[] = [];
    stops.push(watcher.onProblem((p) => problems.push(p)));
    stops.push(
      watcher.tasks({ active: (id) => seen.push(id), archived: (id) => seen.push(`done ${id}`), ready: () => seen.push('ready') }),
    );
    return { seen, problems };
  }

  it('by events: a task written is reported at once, with no problem and no polling', async () => {
    const watcher = new StateWatch(local, { poll: pollReason(local, null, {}) });
    expect(watcher.polling).toBeNull();
    const { seen, problems } = follow(watcher);
    await waitFor(() => seen.includes('ready') || undefined, 'the watch to be in place', 5000);
    writeTask(local, 'cccc0001', 'queued');
    await waitFor(() => seen.includes('cccc0001') || undefined, 'the task to be reported', 5000);
    expect(problems).toEqual([]);
  });

  it('a folder removed under the event watch: said so, then polled: a task written there is still seen', async () => {
    const watcher = new StateWatch(local);
    const { seen } = follow(watcher);
    // The folder removed and made again. inotify says nothing more, and no error comes.
    renameSync(local.tasks, join(dir, 'aside'));
    mkdirSync(local.tasks);
    await waitFor(() => watcher.problem ?? undefined, 'the lost watch to be reported', 5000);
    expect(watcher.problem).toBe(`watching ${local.tasks} failed (the folder was removed or replaced); looking now and then instead`);
    mkdirSync(local.done);
    writeTask(local, 'bbbb0001', 'queued');
    await waitFor(() => seen.includes('bbbb0001') || undefined, 'the new task to be seen', 5000);
  });

  it('a folder that cannot be watched (missing as the watch starts) is polled instead, said so, and its tasks are seen once it is there', async () => {
    rmSync(local.tasks, { recursive: true });
    const watcher = new StateWatch(local);
    const { seen, problems } = follow(watcher);
    expect(problems[0]).toMatch(new RegExp(`^watching ${local.tasks} failed \\(.*\\); looking now and then instead$`));
    mkdirSync(join(local.tasks, 'done'), { recursive: true });
    writeTask(local, 'dddd0001', 'running');
    await waitFor(() => seen.includes('dddd0001') || undefined, 'the task to be seen by polling', 5000);
  });

  it("the open log's folder replaced: said so, and the log still followed, by polling", async () => {
    const watcher = new StateWatch(local);
    let grew = 0;
    const log = join(local.logs, 'eeee0001.log');
    stops.push(watcher.log(log, () => grew++));
    renameSync(local.logs, join(dir, 'logs-aside'));
    mkdirSync(local.logs);
    await waitFor(() => watcher.problem ?? undefined, 'the lost watch of logs/ to be reported', 5000);
    expect(watcher.problem).toMatch(/^watching .*logs failed \(the folder was removed or replaced\)/);
    const before = grew;
    appendFileSync(log, 'output\n');
    await waitFor(() => grew > before || undefined, 'the log to be seen growing', 5000);
  });

  it.each([
    ['DEV_TOOLS_WATCH=poll', null, { DEV_TOOLS_WATCH: 'poll' }],
    ['an executor on other machines', { executors: { hpc: {} } }, {}],
  ])(
    'polled for %s: a task seen within 3 s after a quiet spell, the poller backing off and looking again soon after a change',
    async (_, config, env) => {
      const watcher = new StateWatch(local, { poll: pollReason(local, config, env) });
      expect(watcher.polling).not.toBeNull();
      const { seen } = follow(watcher);
      await waitFor(() => watcher.pollMs === 1500 || undefined, 'the poller to back off to 1.5 s', 10_000);
      const at = Date.now();
      writeTask(local, 'ffff0001', 'queued');
      await waitFor(() => seen.includes('ffff0001') || undefined, 'the task to be seen', 5000);
      expect(Date.now() - at).toBeLessThanOrEqual(3000);
      expect(watcher.pollMs).toBeLessThan(1500);
      expect(watcher.problem).toBeNull();
    },
  );
});
