// Containment on this machine's real cgroup v2 (root here; a delegated subtree on a
// desktop): a task's processes, setsid escapees included, stop with it; its cgroup goes
// when it ends, or with the next `status` after its worker was killed. And the
// process-group fallback, chosen by config or forced by a base that is not a cgroup.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, Harness, killGroup, maintenanceDue, waitFor } from './harness.js';
import { cgroupFolder, taskCgroup, taskCgroups } from '../fixtures/cgroups.js';
import type { TaskJson } from '../../src/core/task.js';
import { controllersOffered } from '../../src/runner/cgroup.js';

const HAS_CGROUPS = cgroupFolder() !== null;

let h: Harness;
const strays: number[] = [];
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  for (const pid of strays.splice(0)) killGroup(pid);
  h.cleanup();
});

/** A script that starts a setsid'd sleep (a session of its own: outside the task's process group) and writes its pid to `file`. */
function escapee(file: string): string {
  return `setsid sh -c 'echo $$ > ${file}; exec sleep 300' & ${until(file)}`;
}

/** Waits (in the task's script) until the escapee has written its pid. */
function until(file: string): string {
  return `while [ ! -s ${file} ]; do sleep 0.05; done; `;
}

async function pidIn(file: string): Promise<number> {
  const pid = await waitFor(() => {
    try {
      const n = Number(readFileSync(file, 'utf8').trim());
      return n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }, `a pid in ${file}`);
  strays.push(pid);
  return pid;
}

async function running(id: string): Promise<TaskJson> {
  return waitFor(() => {
    const t = h.task(id);
    return t.pid && t.commandPid ? t : undefined;
  }, `task ${id} to run`);
}

describe.runIf(HAS_CGROUPS)('with cgroups', () => {
  it('cancel stops a setsid grandchild, and the cgroup goes', async () => {
    h.writeConfig({ cancelGraceMs: 1000 });
    const file = join(h.home, 'escapee.pid');
    const t = h.sh('web', `${escapee(file)} sleep 300`);
    const gc = await pidIn(file);
    expect((await running(t.id)).containment).toBe('cgroup');
    const cgroup = taskCgroup(h.home, t.id);
    expect(readFileSync(join(cgroup, 'cgroup.procs'), 'utf8')).toContain(String(gc));
    const r = h.run(['cancel', t.id]);
    expect(r.code).toBe(0);
    expect(alive(gc)).toBe(false);
    const done = await h.waitForStatus(t.id, ['cancelled']);
    expect(done.containment).toBe('cgroup');
    expect(existsSync(cgroup)).toBe(false);
    expect(existsSync(join(h.home, 'run', t.id))).toBe(false);
  });

  it('a timeout stops the task as cancel does: a setsid grandchild goes with it', async () => {
    h.writeConfig({ cancelGraceMs: 500 });
    const file = join(h.home, 'escapee.pid');
    const t = h.sh('web', `${escapee(file)} sleep 300`, ['--timeout', '2s']);
    const gc = await pidIn(file);
    const done = await h.waitForStatus(t.id, ['failed'], 30_000);
    expect(done.timedOut).toBe(true);
    expect(alive(gc)).toBe(false);
    expect(taskCgroups(h.home)).toEqual([]);
  });

  it("a completed task's daemonized leftover is stopped, and the log says so", async () => {
    const file = join(h.home, 'daemon.pid');
    const t = h.sh('web', `${escapee(file)} echo main done`);
    const gc = await pidIn(file);
    const done = await h.waitForStatus(t.id, ['completed']);
    expect(done.exitCode).toBe(0);
    expect(alive(gc)).toBe(false);
    expect(h.log(t.id)).toContain('stopped 1 process it left running');
    expect(taskCgroups(h.home)).toEqual([]);
  });

  it('a SIGKILLed worker leaves no process and no cgroup once `status` has run', async () => {
    h.writeConfig({ cancelGraceMs: 500 });
    const file = join(h.home, 'escapee.pid');
    const t = h.sh('web', `${escapee(file)} sleep 300 & sleep 300`);
    const gc = await pidIn(file);
    const run = await running(t.id);
    const cgroup = taskCgroup(h.home, t.id);
    expect(readFileSync(join(h.home, 'run', t.id, 'cgroup'), 'utf8')).toBe(cgroup);
    process.kill(run.pid!, 'SIGKILL');
    await waitFor(() => !alive(run.pid) || undefined, 'the worker to die');
    expect(alive(gc)).toBe(true);
    maintenanceDue(h.home);
    expect(h.run(['status']).code).toBe(0);
    await waitFor(() => (!alive(gc) && !existsSync(cgroup) ? true : undefined), 'the escapee and the cgroup to go', 20_000);
    expect(alive(run.commandPid)).toBe(false);
    expect((await h.waitForStatus(t.id, ['interrupted', 'failed'])).status).toBeTruthy();
    await waitFor(() => !existsSync(join(h.home, 'run', t.id)) || undefined, 'the ledger to go');
    expect(taskCgroups(h.home)).toEqual([]);
  });

  it('holds the slot until the cgroup is empty: a leftover that ignores TERM keeps the next task queued', async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 1500 });
    const file = join(h.home, 'stubborn.pid');
    const first = h.sh('web', `setsid sh -c 'trap "" TERM; echo $$ > ${file}; exec sleep 300' & ${until(file)} echo started`);
    const stubborn = await pidIn(file);
    const second = h.sh('web', 'echo second');
    // The first command ended at once; its leftover holds the slot through the grace, then cgroup.kill.
    const done = await h.waitForStatus(second.id, ['completed'], 30_000);
    expect(alive(stubborn)).toBe(false);
    const firstDone = h.task(first.id);
    expect(firstDone.status).toBe('completed');
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(firstDone.completedAt!) - 50);
    expect(h.log(first.id)).toContain('stopped 1 process it left running');
  });

  it('a cgroup of this state dir that no ledger names (its ledger removed by hand) goes with the next maintenance', async () => {
    expect(h.run(['status']).code).toBe(0);
    const stray = taskCgroup(h.home, 'zz00stry');
    mkdirSync(stray, { recursive: true });
    const child = spawn('sh', ['-c', `echo $$ > ${stray}/cgroup.procs && exec sleep 300`], { detached: true, stdio: 'ignore' });
    strays.push(child.pid!);
    await waitFor(
      () => readFileSync(join(stray, 'cgroup.procs'), 'utf8').includes(String(child.pid)) || undefined,
      'the sleep in the stray cgroup',
    );
    // Another state dir's cgroup of the same id is not its to touch.
    const other = taskCgroup(`${h.home}-other`, 'zz00stry');
    mkdirSync(other);
    try {
      await waitFor(() => {
        maintenanceDue(h.home);
        h.run(['status']);
        return existsSync(stray) ? undefined : true;
      }, 'the stray cgroup to go');
      expect(alive(child.pid)).toBe(false);
      expect(existsSync(other)).toBe(true);
    } finally {
      rmdirSync(other);
    }
  });

  it('a busy loop records at least 1.5 CPU seconds', async () => {
    // Stops on CPU time used, not wall time: the machine may be shared.
    const t = h.launch('cpu', 'busy', [process.execPath, '-e', 'const t=process.cpuUsage(); while (process.cpuUsage(t).user < 1.7e6);']);
    const done = await h.waitForStatus(t.id, ['completed'], 60_000);
    expect(done.containment).toBe('cgroup');
    expect(done.resources!.cpuSeconds).toBeGreaterThanOrEqual(1.5);
    expect(done.resources!.memoryBytes).toBe(0);
  });

  it('a 200 MiB allocation records its peak, and `status` shows CPU and MEM while it runs', async () => {
    const script = 'const b = Buffer.alloc(200 * 1024 * 1024, 1); setTimeout(() => b.length, 6000);';
    const t = h.launch('mem', 'alloc', [process.execPath, '-e', script]);
    const live = await waitFor(() => {
      const r = h.task(t.id).resources;
      // CPU over an interval needs a second sample.
      return r && r.memoryBytes >= 200 * 1024 * 1024 && typeof r.cpuPercent === 'number' ? r : undefined;
    }, 'the allocation to be measured, twice');
    expect(live.peakMemoryBytes).toBeGreaterThanOrEqual(live.memoryBytes);
    const table = h.run(['status'], { env: { COLUMNS: '140' } }).stdout;
    expect(table).toMatch(/ CPU +MEM /);
    expect(table).toMatch(/\d+% +2\d\dM /);
    const done = await h.waitForStatus(t.id, ['completed']);
    expect(done.resources!.peakMemoryBytes).toBeGreaterThanOrEqual(200 * 1024 * 1024);
    const json = JSON.parse(h.run(['status', '--all', '--json']).stdout) as TaskJson[];
    expect(json.find((x) => x.id === t.id)!.resources!.peakMemoryBytes).toBe(done.resources!.peakMemoryBytes);
  });

  it('limits are refused where the controller is not offered, and nothing is launched', (ctx) => {
    // A machine that can apply the limit has nothing to refuse.
    if (controllersOffered(cgroupFolder()!).includes('memory')) ctx.skip();
    h.writeConfig({ projects: { web: { limits: { memory: '2G' } } } });
    const r = h.run(['task', 'web', 'limited', '-b', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^dev-tools: cannot launch a task of project "web": the memory controller is not available \(cgroup v2 offers: /,
    );
    expect(h.allTasks()).toEqual([]);
  });
});

describe('with process groups', () => {
  it('containment "process-group" behaves as before: the group stops, a setsid escapee is not reached', async () => {
    h.writeConfig({ containment: 'process-group', cancelGraceMs: 1000 });
    const file = join(h.home, 'escapee.pid');
    const t = h.sh('web', `${escapee(file)} sleep 300`);
    const gc = await pidIn(file);
    const run = await running(t.id);
    expect(run.containment).toBe('process-group');
    expect(h.run(['cancel', t.id]).code).toBe(0);
    expect(alive(run.commandPid)).toBe(false);
    // The documented limit of process groups.
    expect(alive(gc)).toBe(true);
    expect(taskCgroups(h.home)).toEqual([]);
  });

  it('measures CPU from /proc: a busy loop records at least 1.5 CPU seconds', async () => {
    h.writeConfig({ containment: 'process-group' });
    const t = h.launch('cpu', 'busy', [process.execPath, '-e', 'const t=process.cpuUsage(); while (process.cpuUsage(t).user < 1.7e6);']);
    const done = await h.waitForStatus(t.id, ['completed'], 60_000);
    expect(done.containment).toBe('process-group');
    expect(done.resources!.cpuSeconds).toBeGreaterThanOrEqual(1.5);
  });

  it('auto falls back to process groups where the base is not a cgroup; "cgroup" then refuses to launch', async () => {
    const notCgroup = mkdtempSync(join(tmpdir(), 'not-a-cgroup-'));
    try {
      const env = { DEV_TOOLS_CGROUP: notCgroup };
      const r = h.run(['task', 'web', 'fallback', '-b', '--json', '--', 'echo', 'ok'], { env });
      expect(r.code).toBe(0);
      const t = JSON.parse(r.stdout) as TaskJson;
      const done = await h.waitForStatus(t.id, ['completed']);
      expect(done.containment).toBe('process-group');
      expect(taskCgroups(h.home)).toEqual([]);

      h.writeConfig({ containment: 'cgroup' });
      const refused = h.run(['task', 'web', 'must have one', '-b', '--', 'true'], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe(
        `dev-tools: cannot launch a task of project "web": containment "cgroup" is set, and there is no cgroup to use: ${notCgroup} is not a cgroup v2 (see "Containment" in the README)`,
      );
      expect(h.allTasks().map((x) => x.id)).toEqual([t.id]);
    } finally {
      rmSync(notCgroup, { recursive: true, force: true });
    }
  });
});
