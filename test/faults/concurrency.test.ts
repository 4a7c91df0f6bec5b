// Concurrency: many shells launching at once against a small limit, cancel and
// restart racing the scheduler, two cancels of one task, clean while tasks finish.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { groupMembers, Harness, killGroup, maintenanceDue, waitFor } from '../integration/harness.js';
import { procState, startTime, taskProcesses } from './fault-kit.js';

let h: Harness;
let stopped: number[];
beforeEach(() => {
  h = new Harness();
  stopped = [];
});
afterEach(() => {
  for (const pid of stopped) killGroup(pid);
  h.cleanup();
});

/** Every line `start <id> <ns>` / `end <id> <ns>` the commands wrote to `file`. */
function spans(file: string): Map<string, { starts: number; start: bigint; end: bigint | null }> {
  const out = new Map<string, { starts: number; start: bigint; end: bigint | null }>();
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  for (const line of text.split('\n')) {
    const [what, id, ns] = line.split(' ');
    if (!id || !ns) continue;
    const s = out.get(id) ?? { starts: 0, start: 0n, end: null };
    if (what === 'start') {
      s.starts++;
      s.start = BigInt(ns);
    } else s.end = BigInt(ns);
    out.set(id, s);
  }
  return out;
}

/** Most commands alive at once; a command killed by a cancel wrote no end: its task's completedAt is. */
function maxOverlap(s: Map<string, { start: bigint; end: bigint | null }>): number {
  const events: [bigint, number][] = [];
  for (const [id, v] of s) {
    events.push([v.start, 1]);
    const completed = Date.parse(h.task(id).completedAt ?? '');
    events.push([v.end ?? (Number.isFinite(completed) ? BigInt(completed) * 1_000_000n : BigInt(Number.MAX_SAFE_INTEGER) * 1000n), -1]);
  }
  events.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  let cur = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (cur += d));
  return max;
}

const recorder = (file: string, body: string) =>
  `echo "start $DEV_TOOLS_TASK_ID $(date +%s%N)" >> ${file}; ${body}; echo "end $DEV_TOOLS_TASK_ID $(date +%s%N)" >> ${file}`;

describe('launch storm', () => {
  it('50 simultaneous launches at a limit of 5: none lost, none started twice, never more than 5 running', async () => {
    h.writeConfig({ maxParallelTasks: 5 });
    const file = join(h.home, 'spans');
    const launchers = Array.from({ length: 50 }, (_, i) =>
      h.start(['task', 'storm', `task ${i}`, '-b', '--json', '--', 'sh', '-c', recorder(file, 'sleep 0.2')]),
    );
    let maxRunning = 0;
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, h.allTasks().filter((t) => t.status === 'running').length);
    }, 20);
    try {
      const codes = await Promise.all(launchers.map((l) => l.exited));
      expect(codes.every((c) => c === 0)).toBe(true);
      const ids = launchers.map((l) => (JSON.parse(l.stdout) as Task).id);
      expect(new Set(ids).size).toBe(50);
      await waitFor(() => ids.every((id) => h.task(id).status === 'completed') || undefined, 'all 50 to complete', 90_000, 100);
      const s = spans(file);
      expect([...s.keys()].sort()).toEqual([...ids].sort());
      for (const [id, v] of s) expect([id, v.starts, v.end !== null]).toEqual([id, 1, true]);
      const overlap = maxOverlap(s);
      expect(overlap).toBeLessThanOrEqual(5);
      expect(maxRunning).toBeLessThanOrEqual(5);
      console.log(`[figure] 50 launches at limit 5: max commands at once ${overlap}, max running in files ${maxRunning}`);
    } finally {
      clearInterval(sampler);
    }
  });
});

describe('racing the scheduler', () => {
  it('cancel of queued tasks while slots free up: a cancelled task never runs, the others run once', async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 500 });
    const file = join(h.home, 'spans');
    const flag = join(h.home, 'go');
    const first = h.sh('race', recorder(file, `while [ ! -e ${flag} ]; do sleep 0.02; done`));
    const queued = Array.from({ length: 6 }, () => h.sh('race', recorder(file, 'sleep 0.1')));
    expect(queued.every((t) => t.status === 'queued')).toBe(true);
    const victims = [queued[0]!, queued[2]!, queued[4]!];
    // Free the slot and cancel at the same moment.
    writeFileSync(flag, '');
    const cancels = victims.map((t) => h.start(['cancel', t.id]));
    const codes = await Promise.all(cancels.map((c) => c.exited));
    expect(codes.every((c) => c === 0)).toBe(true);
    const all = [first, ...queued];
    await waitFor(() => all.every((t) => ['completed', 'cancelled'].includes(h.task(t.id).status)) || undefined, 'all to be final', 30_000);
    const s = spans(file);
    for (const t of victims) {
      const final = h.task(t.id);
      expect(final.status).toBe('cancelled');
      // Cancelled while queued: it never ran. (Claimed just before the cancel: stopped, and ran at most once.)
      expect(s.get(t.id)?.starts ?? 0).toBeLessThanOrEqual(1);
      if (!final.pid) expect(s.has(t.id)).toBe(false);
    }
    for (const t of all.filter((x) => !victims.includes(x))) {
      expect(h.task(t.id).status).toBe('completed');
      expect(s.get(t.id)?.starts).toBe(1);
    }
    expect(maxOverlap(s)).toBeLessThanOrEqual(1);
  });

  it('five restarts of one task at once, while the queue moves: five new tasks, each run once, the limit holds', async () => {
    h.writeConfig({ maxParallelTasks: 2 });
    const file = join(h.home, 'spans');
    const original = h.sh('again', recorder(file, 'sleep 0.1'));
    await h.waitForStatus(original.id, ['completed']);
    const restarts = Array.from({ length: 5 }, () => h.start(['restart', original.id, '-b', '--json']));
    expect((await Promise.all(restarts.map((r) => r.exited))).every((c) => c === 0)).toBe(true);
    const ids = restarts.map((r) => (JSON.parse(r.stdout) as Task).id);
    expect(new Set(ids).size).toBe(5);
    await waitFor(() => ids.every((id) => h.task(id).status === 'completed') || undefined, 'the restarts to complete', 30_000);
    for (const id of ids) expect(h.task(id).restartOf).toBe(original.id);
    const s = spans(file);
    for (const id of [original.id, ...ids]) expect(s.get(id)?.starts).toBe(1);
    expect(maxOverlap(s)).toBeLessThanOrEqual(2);
  });

  it('two cancels of the same task at once: both return once it is stopped, one cancelled record, nothing left', async () => {
    h.writeConfig({ cancelGraceMs: 500 });
    const t = h.sh('web', `trap '' TERM; sleep 1000`);
    const running = await waitFor(() => {
      const x = h.task(t.id);
      return x.pid && x.commandPid ? x : undefined;
    }, 'the command');
    const a = h.start(['cancel', t.id]);
    const b = h.start(['cancel', t.id]);
    const [ca, cb] = await Promise.all([a.exited, b.exited]);
    // Each either saw it cancelled (0) or found it already final (1, "not running"); never a crash.
    expect([ca, cb]).toContain(0);
    for (const [code, out] of [[ca, b.stderr + a.stderr]] as const) if (code !== 0) expect(out).toMatch(/not running/);
    expect(groupMembers(running.commandPid!)).toEqual([]);
    const final = h.task(t.id);
    expect(final.status).toBe('cancelled');
    expect(h.log(t.id).match(/\[dev-tools\] cancelled/g)).toHaveLength(1);
  });

  it('clean while tasks finish: it removes only finished tasks, each with its log, and never a running or queued one', async () => {
    h.writeConfig({ maxParallelTasks: 3 });
    const file = join(h.home, 'spans');
    const tasks = Array.from({ length: 9 }, (_, i) => h.sh('tidy', recorder(file, `sleep 0.${i % 4}`)));
    const removed = new Set<string>();
    for (let rounds = 0; ; rounds++) {
      const before = new Map(h.allTasks().map((t) => [t.id, t.status]));
      const r = h.run(['clean', '--all']);
      expect(r.code).toBe(0);
      for (const t of tasks) {
        const present = existsSync(join(h.home, 'tasks', `${t.id}.json`)) || existsSync(join(h.home, 'tasks', 'done', `${t.id}.json`));
        if (!present && !removed.has(t.id)) {
          // Gone: it must have been final (in done/) and its log must be gone with it.
          removed.add(t.id);
          expect(['completed', 'failed', 'cancelled', 'interrupted', 'running', undefined]).toContain(before.get(t.id));
          expect(existsSync(join(h.home, 'logs', `${t.id}.log`))).toBe(false);
          expect(spans(file).get(t.id)?.end ?? null).not.toBeNull();
        }
      }
      if (removed.size === tasks.length) break;
      if (rounds > 400) throw new Error(`clean left ${tasks.length - removed.size} tasks`);
    }
    const s = spans(file);
    for (const t of tasks) expect(s.get(t.id)?.starts).toBe(1);
  });
});

describe('slots and the queue after crashes', () => {
  it('a task whose worker died holds its slot until its command group is gone, not just until it is marked interrupted', async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 2000 });
    const file = join(h.home, 'spans');
    const stubborn = h.sh('slot', `trap '' TERM; sleep 30 & sleep 30; wait`);
    const running = await waitFor(() => {
      const x = h.task(stubborn.id);
      return x.pid && x.commandPid ? x : undefined;
    }, 'the stubborn task');
    await waitFor(() => (taskProcesses(h.home).get(stubborn.id)?.length ?? 0) >= 3 || undefined, 'its processes');
    const next = h.sh('slot', recorder(file, 'true'));
    expect(next.status).toBe('queued');
    process.kill(running.pid!, 'SIGKILL');
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(stubborn.id).status).toBe('interrupted');
    // Sample until the next task has run: it must never run while the stubborn group lives.
    let overlap = false;
    let stubbornGoneAt = 0;
    await waitFor(
      () => {
        h.run(['status']);
        const alive = taskProcesses(h.home).has(stubborn.id);
        if (!alive && !stubbornGoneAt) stubbornGoneAt = Date.now();
        if (alive && spans(file).has(next.id)) overlap = true;
        return h.task(next.id).status === 'completed' || undefined;
      },
      'the queued task to run once the group is gone',
      20_000,
      50,
    );
    expect(overlap).toBe(false);
    expect(stubbornGoneAt).toBeGreaterThan(0);
  });

  it('a queued task whose worker cannot start fails, and the scheduler goes on to the next one (no stall)', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const flag = join(h.home, 'go');
    const a = h.sh('stall', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    const b = h.sh('stall', 'echo b');
    const c = h.sh('stall', 'echo c');
    expect([b.status, c.status]).toEqual(['queued', 'queued']);
    // B's log path cannot be opened (a folder is in the way): its worker cannot start.
    mkdirSync(join(h.home, 'logs', `${b.id}.log`));
    writeFileSync(flag, '');
    // No CLI runs from here on: only A's worker, as it exits, moves the queue.
    await h.waitForStatus(a.id, ['completed']);
    expect((await h.waitForStatus(b.id, ['failed'], 10_000)).error).toMatch(/cannot start worker/);
    expect((await h.waitForStatus(c.id, ['completed'], 10_000)).exitCode).toBe(0);
  });
});

describe('the scheduler lock across machines', () => {
  it('a lock taken on another host (a worker running as a Slurm job) is not broken by its pid, only once it is stale', async () => {
    const { FileLock } = await import('../../src/runner/lock.js');
    const path = join(h.home, 'locks', 'remote.lock');
    mkdirSync(join(h.home, 'locks'), { recursive: true });
    // A pid no process has here: on this host that means a dead owner; on a node it means nothing.
    const owner = { pid: 2 ** 22 - 3, startTime: 1, token: 'x', host: 'node-elsewhere' };
    writeFileSync(path, JSON.stringify(owner));
    expect(await new FileLock(path).acquire(200)).toBe(false);
    expect(new FileLock(path).heldByLiveOwner()).toBe(true);
    const old = new Date(Date.now() - 40_000);
    utimesSync(path, old, old);
    const lock = new FileLock(path);
    expect(await lock.acquire(500)).toBe(true);
    lock.release();
    // The same dead pid on this host is broken at once.
    writeFileSync(path, JSON.stringify({ ...owner, host: hostname() }));
    const local = new FileLock(path);
    expect(await local.acquire(500)).toBe(true);
    local.release();
  });
});

describe('a stopped lock holder', () => {
  it('a scheduler lock held by a stopped process (SIGSTOP) does not stall launches: once stopped 2 s, it counts as stale', async () => {
    expect(h.run(['status']).code).toBe(0);
    const holder = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    stopped.push(holder.pid!);
    process.kill(holder.pid!, 'SIGSTOP');
    await waitFor(() => procState(holder.pid!) === 'T' || undefined, 'the holder to stop');
    // What a CLI stopped (Ctrl+Z, SIGSTOP) while it held the lock leaves: a lock whose live owner makes no progress.
    writeFileSync(
      join(h.home, 'locks', 'scheduler.lock'),
      JSON.stringify({ pid: holder.pid, startTime: startTime(holder.pid!), token: 'stopped-owner', host: hostname() }),
    );
    const before = Date.now();
    const r = h.run(['task', 'web', 'x', '-b', '--no-queue', '--json', '--', 'true']);
    const took = Date.now() - before;
    // Was: 10 s of waiting, then "the scheduler is busy (lock held)", exit 1 (30 s for a queued launch).
    expect(r.code, r.stderr).toBe(0);
    expect(took).toBeLessThan(9000);
    console.log(`[figure] launch past a lock held by a stopped process: ${took} ms`);
    await h.waitForStatus((JSON.parse(r.stdout) as Task).id, ['completed']);
  });
});

describe('the queue controls under races and crashes', () => {
  /** Most of these tasks with a command alive at once, by their recorded spans. */
  function overlapOf(s: Map<string, { start: bigint; end: bigint | null }>, ids: string[]): number {
    return maxOverlap(new Map([...s].filter(([id]) => ids.includes(id))));
  }

  it('a dozen launches at once with dependencies and per-project limits: no limit breached, none started twice, none before its dependency', async () => {
    h.writeConfig({ maxParallelTasks: 4, projects: { a: { maxParallel: 2 }, b: { maxParallel: 2 }, c: { maxParallel: 1 } } });
    const file = join(h.home, 'spans');
    const gate = join(h.home, 'go');
    const launch = (project: string, body: string, extra: string[] = []) =>
      h.start(['task', project, 'x', '-b', '--json', ...extra, '--', 'sh', '-c', recorder(file, body)]);
    const roots: Task[] = [];
    for (const [p, code] of [
      ['a', 0],
      ['b', 0],
      ['c', 1],
    ] as const) {
      const r = launch(p, `while [ ! -e ${gate} ]; do sleep 0.05; done; exit ${code}`);
      expect(await r.exited).toBe(0);
      roots.push(JSON.parse(r.stdout) as Task);
    }
    const projects = ['a', 'b', 'c'];
    const launchers = Array.from({ length: 12 }, (_, i) => {
      const after = [roots[i % 2]!.id, ...(i % 4 === 3 ? [roots[2]!.id] : [])];
      return launch(projects[i % 3]!, 'sleep 0.3', ['--after', after.join(',')]);
    });
    let breach = '';
    const sampler = setInterval(() => {
      const running = h.allTasks().filter((t) => t.status === 'running');
      const by = (p: string) => running.filter((t) => t.project === p).length;
      if (running.length > 4 || by('a') > 2 || by('b') > 2 || by('c') > 1) breach ||= JSON.stringify(running.map((t) => t.project));
    }, 20);
    try {
      const codes = await Promise.all(launchers.map((l) => l.exited));
      expect(codes).toEqual(Array(12).fill(0));
      const tasks = launchers.map((l) => JSON.parse(l.stdout) as Task);
      writeFileSync(gate, '');
      const ids = tasks.map((t) => t.id);
      await waitFor(
        () => [...ids, ...roots.map((r) => r.id)].every((id) => ['completed', 'failed'].includes(h.task(id).status)) || undefined,
        'all to end',
        90_000,
        100,
      );
      const s = spans(file);
      const final = new Map(tasks.map((t) => [t.id, h.task(t.id)]));
      for (const t of tasks) {
        const f = final.get(t.id)!;
        if (t.after!.includes(roots[2]!.id)) {
          // Its dependency failed: it never ran.
          expect([t.id, f.status, f.error, s.has(t.id)]).toEqual([t.id, 'failed', `dependency ${roots[2]!.id} failed`, false]);
          continue;
        }
        expect([t.id, f.status, s.get(t.id)?.starts]).toEqual([t.id, 'completed', 1]);
        for (const dep of t.after!) expect(s.get(t.id)!.start >= s.get(dep)!.end!).toBe(true);
      }
      const ofProject = (p: string) => [...tasks, ...roots].filter((t) => t.project === p).map((t) => t.id);
      expect(overlapOf(s, ofProject('a'))).toBeLessThanOrEqual(2);
      expect(overlapOf(s, ofProject('b'))).toBeLessThanOrEqual(2);
      expect(overlapOf(s, ofProject('c'))).toBeLessThanOrEqual(1);
      expect(maxOverlap(s)).toBeLessThanOrEqual(4);
      expect(breach).toBe('');
    } finally {
      clearInterval(sampler);
    }
  });

  it('the process resolving a dependency killed after failing one dependent: the next command fails the rest, each onFinish runs once', async () => {
    const hooks = join(h.home, 'hooks');
    const gate = join(h.home, 'go');
    h.writeConfig({ onFinish: `echo "$DEV_TOOLS_TASK_ID $DEV_TOOLS_TASK_STATUS" >> ${hooks}` });
    // Its worker stops itself once it has written the first dependent failed, holding the scheduler lock.
    const r = h.run(['task', 'web', 'build', '-b', '--json', '--', 'sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.05; done; exit 1`], {
      env: { DEV_TOOLS_TEST_STOP_AT: 'dependency-failed' },
    });
    const a = JSON.parse(r.stdout) as Task;
    const b = JSON.parse(h.run(['task', 'web', 'test', '-b', '--json', '--after', a.id, '--', 'true']).stdout) as Task;
    const c = JSON.parse(h.run(['task', 'web', 'deploy', '-b', '--json', '--after', b.id, '--', 'true']).stdout) as Task;
    writeFileSync(gate, '');
    const worker = await waitFor(() => h.task(a.id).pid ?? undefined, 'the worker pid');
    stopped.push(worker);
    await waitFor(() => procState(worker) === 'T' || undefined, 'the worker to stop after failing a dependent');
    expect(h.task(b.id).status).toBe('failed');
    expect(h.task(c.id).status).toBe('queued');
    process.kill(worker, 'SIGKILL');
    await waitFor(() => procState(worker) === null || undefined, 'the worker to be gone');
    maintenanceDue(h.home);
    expect(h.run(['status']).code).toBe(0);
    const end = await h.waitForStatus(c.id, ['failed']);
    expect(end.error).toBe(`dependency ${b.id} failed`);
    // Its onFinish is left to the sweep (3 s after it ended), which the commands that follow run.
    await waitFor(
      () => {
        maintenanceDue(h.home);
        h.run(['status']);
        return (existsSync(hooks) && readFileSync(hooks, 'utf8').trim().split('\n').length >= 3) || undefined;
      },
      'the hooks to run',
      30_000,
      500,
    );
    await h.settled();
    expect(readFileSync(hooks, 'utf8').trim().split('\n').sort()).toEqual([`${a.id} failed`, `${b.id} failed`, `${c.id} failed`].sort());
  });

  it('the worker of a dependency killed after its final write, before it started what waited: the next command starts it, once', async () => {
    const file = join(h.home, 'spans');
    const r = h.run(['task', 'web', 'build', '-b', '--json', '--', 'sh', '-c', `sleep 0.5`], {
      env: { DEV_TOOLS_TEST_STOP_AT: 'finish-hook' },
    });
    const a = JSON.parse(r.stdout) as Task;
    const b = JSON.parse(
      h.run(['task', 'web', 'test', '-b', '--json', '--after', a.id, '--', 'sh', '-c', recorder(file, 'true')]).stdout,
    ) as Task;
    const worker = await waitFor(() => {
      const pid = h.task(a.id).pid;
      return pid && procState(pid) === 'T' ? pid : undefined;
    }, 'the worker to stop after its final write');
    stopped.push(worker);
    expect(h.task(a.id).status).toBe('completed');
    expect(h.task(b.id).status).toBe('queued');
    process.kill(worker, 'SIGKILL');
    await waitFor(() => procState(worker) === null || undefined, 'the worker to be gone');
    expect(h.run(['status']).code).toBe(0);
    await h.waitForStatus(b.id, ['completed']);
    await h.settled();
    expect(spans(file).get(b.id)?.starts).toBe(1);
  });
});
