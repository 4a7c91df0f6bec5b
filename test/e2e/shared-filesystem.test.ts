// The installed dashboard on a shared filesystem, reproduced on one machine: tasks run
// with their state under REAL (as on a compute node), the dashboard looks at a FUSE view
// of it (bindfs, as a login node sees an NFS home), where those writes raise no inotify
// event. A task's row appears, its progress changes and its end shows, each within 3 s;
// the same for a Slurm task, whose worker is the batch job writing under REAL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { Harness, waitFor } from '../integration/harness.js';
import { mountView, requireFuse, type View } from '../integration/fuse.js';
import { cancelJobsOf, requireCluster } from '../slurm/cluster.js';
import { installedPackage } from './installed.js';
import { Terminal } from './terminal.js';

requireFuse();

const pkg = installedPackage();

let h: Harness;
let term: Terminal;
let viewDir: string;
let fuse: View;
beforeEach(() => {
  h = new Harness({ bin: pkg.bin });
  term = new Terminal();
  viewDir = mkdtempSync(join(tmpdir(), 'dev-tools-view-'));
  fuse = mountView(h.home, join(viewDir, 'view'));
});
afterEach(async () => {
  term.close();
  fuse.unmount();
  rmSync(viewDir, { recursive: true, force: true });
  await cancelJobsOf(h, []).catch(() => undefined);
  h.cleanup();
});

/** The installed dashboard on the VIEW (CI=true on purpose: it decides from the TTY). */
function dashboardOnView(): void {
  term.open(`DEV_TOOLS_HOME='${fuse.view}' CI=true NO_COLOR=1 '${process.execPath}' '${pkg.bin}' ui`, 160, 24);
}

/** Waits until the task file under REAL says so (the moment "another machine" wrote it). */
const written = (id: string, check: (t: TaskJson) => boolean, what: string, timeoutMs = 60_000) =>
  waitFor(
    () => {
      try {
        return check(h.task(id)) ? Date.now() : undefined;
      } catch {
        return undefined;
      }
    },
    what,
    timeoutMs,
    20,
  );

/** Each change under REAL is on the dashboard within 3 s. */
async function followsOnScreen(t: TaskJson, row: RegExp): Promise<void> {
  await term.see(t.id, 'the row to appear within 3 s', 3000);
  let at = await written(t.id, (x) => x.progress?.percent === 30, 'progress 30 under REAL');
  await term.see(new RegExp(`${t.id} .*${row.source}.* 30%`), 'progress 30% on screen within 3 s', Math.max(500, 3000 - (Date.now() - at)));
  at = await written(t.id, (x) => x.progress?.percent === 80, 'progress 80 under REAL');
  await term.see(new RegExp(`${t.id} .*${row.source}.* 80%`), 'progress 80% on screen within 3 s', Math.max(500, 3000 - (Date.now() - at)));
  at = await written(t.id, (x) => x.status === 'completed', 'the end under REAL');
  await term.see(new RegExp(`${t.id} .*✔ completed`), 'the end on screen within 3 s', Math.max(500, 3000 - (Date.now() - at)));
}

const SCRIPT = 'echo "::progress 30"; sleep 4; echo "::progress 80"; sleep 4; echo done';

describe('the installed dashboard on a FUSE view of the state dir', () => {
  it('shows a local task written under REAL: its row, its progress and its end, each within 3 s', async () => {
    dashboardOnView();
    await term.see('no active tasks', 'the dashboard on the view', 20_000);
    // Quiet for a while: the watcher has backed off, the slow case for the next change.
    await new Promise((r) => setTimeout(r, 3000));
    const t = h.launch('web', 'on the real side', ['sh', '-c', SCRIPT]);
    await followsOnScreen(t, /▶ running/);
    expect(term.screen()).not.toMatch(/watching|cannot read/);
  });

  describe('with a Slurm task', () => {
    requireCluster();

    it('shows the job written under REAL by its worker on the node: pending, then running with its node, then its end', async () => {
      h.writeConfig({ executors: { slurm: { type: 'slurm', sbatchArgs: [] } } });
      dashboardOnView();
      await term.see('no active tasks', 'the dashboard on the view', 20_000);
      const t = h.launch('ml', 'on the cluster', ['sh', '-c', `sleep 2; ${SCRIPT}`], ['--executor', 'slurm']);
      const jobId = t.slurm!.jobId!;
      await term.see(new RegExp(`${t.id} .*(queued +slurm#${jobId}|running +slurm#${jobId}@)`), 'the queued row within 3 s', 3000);
      const at = await written(t.id, (x) => x.status === 'running', 'the worker on the node to start');
      await term.see(
        new RegExp(`${t.id} .*▶ running +slurm#${jobId}@\\S+`),
        'running with its node within 3 s',
        Math.max(500, 3000 - (Date.now() - at)),
      );
      await followsOnScreen(t, /▶ running +slurm#\d+@\S+/);
    });
  });
});
