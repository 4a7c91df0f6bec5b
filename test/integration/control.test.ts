// Controlling tasks with real detached workers: cancel (one, --project, --all), the
// queue and its limit, restart, wait, clean.
// Over 250 lines: the scenarios of one area, each with real processes; they share one set-up, so they stay together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { alive, BIN, groupMembers, Harness, waitFor } from './harness.js';
import type { TaskJson } from '../../src/core/task.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

async function runningTask(id: string): Promise<TaskJson> {
  return waitFor(() => {
    const t = h.task(id);
    return t.pid && t.commandPid ? t : undefined;
  }, `task ${id} to run`);
}

/** pids of every process in the task's command group, children included. */
function treeOf(t: TaskJson): number[] {
  return groupMembers(t.commandPid!);
}

describe('cancel', () => {
  it('kills the whole tree, grandchildren included', async () => {
    h.writeConfig({ cancelGraceMs: 2000 });
    const t = h.sh('web', 'sleep 60 & (sleep 60 & sleep 60; wait) & echo up; wait');
    const run = await runningTask(t.id);
    await waitFor(() => treeOf(run).length >= 4 || undefined, 'the tree to start');
    const members = treeOf(run);
    const r = h.run(['cancel', t.id.slice(0, 4)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cancelled ${t.id}`);
    expect(h.task(t.id).status).toBe('cancelled');
    for (const pid of members) expect(alive(pid)).toBe(false);
    expect(alive(run.pid)).toBe(false);
  });

  it('waits the grace period for a command that traps TERM, then kills it', async () => {
    h.writeConfig({ cancelGraceMs: 1500 });
    const t = h.sh('web', 'trap "" TERM; sh -c \'trap "" TERM; sleep 60\' & sleep 60; wait');
    const run = await runningTask(t.id);
    await waitFor(() => treeOf(run).length >= 3 || undefined, 'the tree to start');
    const started = Date.now();
    const r = h.run(['cancel', t.id]);
    const took = Date.now() - started;
    expect(r.code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(treeOf(run)).toEqual([]);
    expect(h.task(t.id).status).toBe('cancelled');
  });

  it('lets a command that handles TERM finish its cleanup within the grace', async () => {
    h.writeConfig({ cancelGraceMs: 10_000 });
    const t = h.sh('web', 'trap "echo cleaning; exit 0" TERM; echo ready; while :; do sleep 0.1; done');
    await runningTask(t.id);
    await waitFor(() => h.log(t.id).includes('ready') || undefined, 'ready');
    const started = Date.now();
    expect(h.run(['cancel', t.id]).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(h.log(t.id)).toContain('cleaning');
    expect(h.task(t.id).status).toBe('cancelled');
  });

  it('refuses a finished task with its status, and an id-less cancel without a TTY', async () => {
    const t = h.sh('web', 'true');
    await h.waitForStatus(t.id, ['completed']);
    const r = h.run(['cancel', t.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`not running (status: completed)`);
    const picker = h.run(['cancel']);
    expect(picker.code).toBe(2);
    expect(picker.stderr).toMatch(/needs a task id/);
  });

  it('cancels every task of a project with --project, and all with --all', async () => {
    const a = h.sh('web', 'sleep 60');
    const b = h.sh('web', 'sleep 60');
    const c = h.sh('api', 'sleep 60');
    await Promise.all([a, b, c].map((t) => runningTask(t.id)));
    expect(h.run(['cancel', '--project', 'web']).code).toBe(0);
    expect(h.task(a.id).status).toBe('cancelled');
    expect(h.task(b.id).status).toBe('cancelled');
    expect(h.task(c.id).status).toBe('running');
    expect(h.run(['cancel', '--all']).code).toBe(0);
    expect(h.task(c.id).status).toBe('cancelled');
  });
});

describe('cancel --project without tasks', () => {
  it('says so and exits 1, for an unknown project and for an idle one', async () => {
    h.writeConfig({ projects: { idle: { stages: [{ name: 's', run: 'true' }] } } });
    const unknown = h.run(['cancel', '--project', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('dev-tools: no project named "nosuch": it is not in config.json and has no tasks\n');
    const idle = h.run(['cancel', '--project', 'idle']);
    expect(idle.code).toBe(1);
    expect(idle.stderr).toBe('dev-tools: project "idle" has no running or queued task\n');
    // A project known only from its finished tasks is idle, not unknown.
    const done = h.sh('ran', 'true');
    await h.waitForStatus(done.id, ['completed']);
    expect(h.run(['cancel', '--project', 'ran']).stderr).toMatch(/project "ran" has no running or queued task/);
  });
});

describe('cancel --all with a queue', () => {
  it('cancels queued tasks before running ones, so none of them starts', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const running = h.sh('web', 'sleep 60');
    await runningTask(running.id);
    const marks = [join(h.home, 'q1'), join(h.home, 'q2')];
    const queued = marks.map((m, i) => h.launch('web', `q${i}`, ['sh', '-c', `touch ${m}`]));
    expect(queued.map((t) => t.status)).toEqual(['queued', 'queued']);
    const r = h.run(['cancel', '--all']);
    expect(r.code).toBe(0);
    for (const t of [running, ...queued]) expect(h.task(t.id).status).toBe('cancelled');
    for (const m of marks) expect(existsSync(m)).toBe(false);
  });
});

describe('queue', () => {
  it('queues beyond the limit, says the place, and starts in order', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const gate = join(h.home, 'gate');
    const first = h.sh('web', `while [ ! -e ${gate} ]; do sleep 0.05; done`);
    const r2 = h.run(['task', 'web', 'second', '-b', '--', 'sh', '-c', 'echo two']);
    expect(r2.stdout).toContain('queued: 1/1 running, 1st in line');
    const r3 = h.run(['task', 'web', 'third', '-b', '--', 'sh', '-c', 'echo three']);
    expect(r3.stdout).toContain('2nd in line');
    const ids = [first.id, /(\w{8}) \(web: second/.exec(r2.stdout)![1]!, /(\w{8}) \(web: third/.exec(r3.stdout)![1]!];
    expect(h.task(ids[1]!).status).toBe('queued');
    writeFileSync(gate, '');
    const finals = await Promise.all(ids.map((id) => h.waitForStatus(id, ['completed'])));
    // One slot: each started after the one before it finished.
    expect(Date.parse(finals[1]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(finals[0]!.completedAt!) - 5);
    expect(Date.parse(finals[2]!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(finals[1]!.completedAt!) - 5);
  });

  it('refuses with --no-queue when the slots are full', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const t = h.sh('web', 'sleep 60');
    await runningTask(t.id);
    const r = h.run(['task', 'web', 'x', '-b', '--no-queue', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Max parallel tasks reached (1/1)');
    expect(h.allTasks()).toHaveLength(1);
  });

  it('--no-queue counts only running tasks in its figure, and says how many wait ahead', async () => {
    h.writeConfig({ maxParallelTasks: 3 });
    const running = [h.sh('web', 'sleep 60'), h.sh('web', 'sleep 60'), h.sh('web', 'sleep 60')];
    await Promise.all(running.map((t) => runningTask(t.id)));
    const queued = h.sh('web', 'sleep 60');
    expect(h.task(queued.id).status).toBe('queued');
    const r = h.run(['task', 'web', 'x', '-b', '--no-queue', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dev-tools: Max parallel tasks reached (3/3), 1 queued ahead\n');
    expect(h.allTasks()).toHaveLength(4);
  });

  it('--no-queue counts a slot held by a stop pending (a killed worker whose command group is still being stopped)', async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 20_000 });
    // The command ignores TERM: after its worker dies, its group lives out the grace.
    const t = h.sh('web', "trap '' TERM; sleep 1000");
    const running = await runningTask(t.id);
    process.kill(running.pid!, 'SIGKILL');
    await waitFor(() => (alive(running.pid) ? undefined : true), 'the worker to be gone');
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(t.id).status).toBe('interrupted');
    expect(groupMembers(running.commandPid!).length).toBeGreaterThan(0);
    const r = h.run(['task', 'web', 'x', '-b', '--no-queue', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('dev-tools: Max parallel tasks reached (1/1)\n');
    expect(h.allTasks()).toHaveLength(1);
  });

  it('never starts a cancelled queued task', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const blocker = h.sh('web', 'sleep 1');
    const marker = join(h.home, 'ran');
    const queued = h.launch('web', 'never', ['sh', '-c', `touch ${marker}`]);
    expect(queued.status).toBe('queued');
    const r = h.run(['cancel', queued.id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('never started');
    await h.waitForStatus(blocker.id, ['completed']);
    // The blocker's worker ran the scheduler as it exited; give a later one no chance either.
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(queued.id).status).toBe('cancelled');
    expect(existsSync(marker)).toBe(false);
  });

  it('holds the limit when 12 shells launch at once, and all complete', async () => {
    h.writeConfig({ maxParallelTasks: 3 });
    let maxSeen = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const running = h.allTasks().filter((t) => t.status === 'running').length;
        maxSeen = Math.max(maxSeen, running);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const launches = Array.from(
      { length: 12 },
      (_, i) =>
        new Promise<string>((resolve, reject) => {
          const c = spawn(process.execPath, [BIN, 'task', 'race', `n${i}`, '-b', '--json', '--', 'sh', '-c', 'sleep 0.3'], {
            env: h.env(),
          });
          let out = '';
          c.stdout.on('data', (d) => (out += d));
          c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out).id) : reject(new Error(`launch exited ${code}`))));
        }),
    );
    const ids = await Promise.all(launches);
    expect(new Set(ids).size).toBe(12);
    await waitFor(() => ids.every((id) => h.task(id).status === 'completed') || undefined, 'all 12 to complete', 60_000);
    sampling = false;
    await sampler;
    expect(maxSeen).toBeGreaterThan(0);
    expect(maxSeen).toBeLessThanOrEqual(3);
    // Each started once: one worker pid each, never two tasks with the same command.
    const pids = ids.map((id) => h.task(id).pid);
    expect(new Set(pids).size).toBe(12);
  });

  it('recovers a lock left by a dead process within seconds', async () => {
    // A lock whose owner is long gone (pid 999999 does not exist).
    mkdirSync(join(h.home, 'locks'), { recursive: true });
    writeFileSync(join(h.home, 'locks', 'scheduler.lock'), JSON.stringify({ pid: 999_999, startTime: 1, token: 'dead' }));
    const started = Date.now();
    const t = h.sh('web', 'echo hi');
    await h.waitForStatus(t.id, ['completed']);
    expect(Date.now() - started).toBeLessThan(10_000);
    // waitForStatus returns once the worker has exited, its own scheduler step included.
    expect(readdirSync(join(h.home, 'locks')).filter((f) => f.startsWith('scheduler.lock'))).toEqual([]);
  });

  it('treats a lock whose pid was reused by another process as stale', async () => {
    mkdirSync(join(h.home, 'locks'), { recursive: true });
    // This test process is alive, but it did not start at time 1: not the owner.
    writeFileSync(join(h.home, 'locks', 'scheduler.lock'), JSON.stringify({ pid: process.pid, startTime: 1, token: 'reused' }));
    const t = h.sh('web', 'echo hi');
    await h.waitForStatus(t.id, ['completed'], 10_000);
  });

  it('starts queued tasks even when every worker died', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const t = h.sh('web', 'sleep 60');
    const run = await runningTask(t.id);
    const queued = h.launch('web', 'next', ['sh', '-c', 'echo next']);
    expect(queued.status).toBe('queued');
    process.kill(run.pid!, 'SIGKILL');
    // status reaps the dead worker and fills its slot.
    await waitFor(() => (h.run(['status']).code === 0 && h.task(queued.id).status === 'completed') || undefined, 'the queued task to run');
    expect(h.task(t.id).status).toBe('interrupted');
    await waitFor(() => treeOf(run).length === 0 || undefined, "the dead worker's command to be stopped", 20_000);
  });
});

describe('restart', () => {
  it('makes a new task with the same spec and restartOf, keeping the old log', async () => {
    h.writeConfig({ projects: { web: { env: { GREETING: 'hello' } } } });
    const t = h.launch('web', 'greet', ['sh', '-c', 'echo "$GREETING $DEV_TOOLS_TASK_DESCRIPTION from $(pwd)"']);
    const first = await h.waitForStatus(t.id, ['completed']);
    const r = h.run(['restart', t.id, '-b', '--json']);
    expect(r.code).toBe(0);
    const again = JSON.parse(r.stdout) as TaskJson;
    expect(again.id).not.toBe(t.id);
    expect(again.restartOf).toBe(t.id);
    for (const key of ['project', 'description', 'command', 'cwd', 'env'] as const) expect(again[key]).toEqual(first[key]);
    await h.waitForStatus(again.id, ['completed']);
    expect(h.log(again.id)).toBe(h.log(t.id));
    expect(h.log(t.id)).toContain('hello greet from');
  });

  it('refuses a running task, and runs in the foreground by default', async () => {
    const t = h.sh('web', 'sleep 60');
    await runningTask(t.id);
    const r = h.run(['restart', t.id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is running; cancel it first/);
    const f = h.sh('web', 'echo out; exit 4');
    await h.waitForStatus(f.id, ['failed']);
    const fg = h.run(['restart', f.id]);
    expect(fg.code).toBe(4);
    expect(fg.stdout).toContain('out');
  });
});

describe('wait', () => {
  it('exits 0 when all completed, 1 otherwise, one line per task', async () => {
    const a = h.sh('web', 'sleep 0.5');
    const b = h.sh('web', 'exit 2');
    const ok = h.run(['wait', a.id]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`${a.id} ✔ completed`));
    const mixed = h.run(['wait', a.id, b.id]);
    expect(mixed.code).toBe(1);
    expect(mixed.stdout.trim().split('\n')).toHaveLength(2);
    const json = JSON.parse(h.run(['wait', b.id, '--json']).stdout);
    expect(json[0].status).toBe('failed');
  });

  it('waits for queued tasks too', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const a = h.sh('web', 'sleep 0.5');
    const b = h.sh('web', 'echo b');
    expect(b.status).toBe('queued');
    expect(h.run(['wait', b.id]).code).toBe(0);
    expect(h.task(a.id).status).toBe('completed');
  });
});

describe('clean', () => {
  it('removes finished tasks and logs, never running ones, and reports the space', async () => {
    const done = h.sh('web', 'echo done');
    const failed = h.sh('web', 'exit 1');
    const running = h.sh('web', 'sleep 60');
    await h.waitForStatus(done.id, ['completed']);
    await h.waitForStatus(failed.id, ['failed']);
    await runningTask(running.id);
    expect(h.run(['clean', '--older-than', '1h']).stdout).toBe('nothing to clean\n');
    const r = h.run(['clean']);
    expect(r.stdout).toMatch(/removed 1 task \(\d+(\.\d)? (B|KiB) freed\)/);
    expect(existsSync(join(h.home, 'logs', `${done.id}.log`))).toBe(false);
    expect(h.task(failed.id).status).toBe('failed');
    expect(h.run(['clean', '--all']).stdout).toMatch(/removed 1 task/);
    expect(h.task(running.id).status).toBe('running');
    expect(existsSync(join(h.home, 'logs', `${running.id}.log`))).toBe(true);
    expect(h.run(['clean', '--older-than', 'soon']).code).toBe(2);
  });
});
