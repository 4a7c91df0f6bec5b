// The dashboard's watcher of the state dir, on a real FUSE view (bindfs): what another
// machine writes (here: under REAL) raises no inotify event on VIEW, so on such a
// filesystem it polls, sees each change within a few seconds, backs off while nothing
// changes, and says what goes wrong instead of going quiet.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStateDirs, statePaths, type StatePaths } from '../../src/store/paths.js';
import { sharedFilesystem } from '../../src/store/filesystem.js';
import { pollReason, StateWatch } from '../../src/store/watch.js';
import { waitFor } from './harness.js';
import { mountView, requireFuse, type View } from './fuse.js';

requireFuse();

let dir: string;
let fuse: View;
let real: StatePaths;
let view: StatePaths;
const stops: (() => void)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-tools-watch-'));
  fuse = mountView(join(dir, 'real'), join(dir, 'view'));
  real = statePaths(fuse.real);
  view = statePaths(fuse.view);
  ensureStateDirs(real);
});
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  fuse.unmount();
  rmSync(dir, { recursive: true, force: true });
});

/** A task file written as the store writes it: a temp file renamed into place. */
function writeTask(paths: StatePaths, id: string, status: string, folder = paths.tasks): void {
  const tmp = join(folder, `${id}.json.tmp`);
  writeFileSync(tmp, JSON.stringify({ id, status }));
  renameSync(tmp, join(folder, `${id}.json`));
}

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
  it('bindfs works here (/dev/fuse), and a write under REAL raises no inotify event on VIEW', async () => {
    expect(sharedFilesystem(fuse.view)).toBe('FUSE');
    expect(sharedFilesystem(fuse.real)).toBeNull();
    let events = 0;
    const w = watch(view.tasks, () => events++);
    try {
      writeTask(real, 'aaaa0001', 'running');
      await waitFor(() => {
        try {
          return JSON.parse(readFileSync(join(view.tasks, 'aaaa0001.json'), 'utf8')).status === 'running';
        } catch {
          return false;
        }
      }, 'the file to show under VIEW');
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toBe(0);
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
    await new Promise((res) => setTimeout(res, 4000));
    expect(watcher.pollMs).toBe(1500);

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

  it('says what goes wrong: a view that went away, a folder removed under an event watch; and clears once it is back', async () => {
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

    // By events (a local folder): the folder removed and made again. inotify says nothing more, and no error comes.
    const local = statePaths(join(dir, 'local'));
    ensureStateDirs(local);
    const events = new StateWatch(local);
    const seen: string[] = [];
    stops.push(events.tasks({ active: (id) => seen.push(id), archived: () => {}, ready: () => {} }));
    renameSync(local.tasks, join(dir, 'aside'));
    mkdirSync(local.tasks);
    await waitFor(() => events.problem ?? undefined, 'the lost watch to be reported', 5000);
    expect(events.problem).toBe(`watching ${local.tasks} failed (the folder was removed or replaced); looking now and then instead`);
    // ... and it goes on by polling: a task written there is still seen.
    mkdirSync(local.done);
    writeTask(local, 'bbbb0001', 'queued');
    await waitFor(() => seen.includes('bbbb0001') || undefined, 'the new task to be seen', 5000);
  });
});
