// The queue's controls with real detached workers: dependencies (--after), per-project
// limits, timeouts, retries, pause and resume, priority.
// Over 250 lines: one scenario per control, sharing the span recorder and set-up.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { groupMembers, Harness, waitFor } from './harness.js';
import { writeTaskFile, makeTaskJson } from '../fixtures/index.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

/** A command that records when it starts and ends (ms) in `spans`, in between running `body`. */
function recorded(body: string): string {
  const file = join(h.home, 'spans');
  return `echo "start $DEV_TOOLS_TASK_ID $(date +%s%3N)" >> ${file}; ${body}; s=$?; echo "end $DEV_TOOLS_TASK_ID $(date +%s%3N)" >> ${file}; exit $s`;
}

function spans(): Map<string, { starts: number; start: number; end: number | null }> {
  const file = join(h.home, 'spans');
  const out = new Map<string, { starts: number; start: number; end: number | null }>();
  for (const line of (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n')) {
    const [what, id, at] = line.split(' ');
    if (!id || !at) continue;
    const s = out.get(id) ?? { starts: 0, start: 0, end: null };
    if (what === 'start') Object.assign(s, { starts: s.starts + 1, start: Number(at) });
    else s.end = Number(at);
    out.set(id, s);
  }
  return out;
}

/** A command that waits until `open(name)` is called. */
function gate(name: string): string {
  return `while [ ! -e ${join(h.home, `gate-${name}`)} ]; do sleep 0.05; done`;
}
function open(name: string): void {
  writeFileSync(join(h.home, `gate-${name}`), '');
}

function statusJson(): TaskJson[] {
  const r = h.run(['status', '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as TaskJson[];
}

describe('dependencies', () => {
  it('a build, then tests and lint in parallel after it, then deploy after both: each starts once what it needs completed', async () => {
    const build = h.sh('web', recorded(`${gate('build')}; sleep 0.3`));
    const test = h.sh('web', recorded('sleep 0.5'), ['--after', build.id.slice(0, 5)]);
    const lint = h.sh('web', recorded('sleep 0.5'), ['--after', build.id]);
    const deploy = h.sh('web', recorded('true'), ['--after', `${test.id},${lint.id.slice(0, 6)}`]);
    expect(deploy.after).toEqual([test.id, lint.id]);
    expect(test.status).toBe('queued');
    // Shown as why it waits, in the table and in --json.
    const table = h.run(['status']).stdout;
    expect(table).toContain(`⧗ after ${build.id.slice(0, 4)}`);
    expect(statusJson().find((t) => t.id === deploy.id)?.queueReason).toEqual({ kind: 'after', ids: [test.id, lint.id] });
    open('build');
    const end = await h.waitForStatus(deploy.id, ['completed'], 30_000);
    expect(end.status).toBe('completed');
    const s = spans();
    for (const id of [build.id, test.id, lint.id, deploy.id]) expect(s.get(id)?.starts).toBe(1);
    expect(s.get(test.id)!.start).toBeGreaterThanOrEqual(s.get(build.id)!.end!);
    expect(s.get(lint.id)!.start).toBeGreaterThanOrEqual(s.get(build.id)!.end!);
    // Tests and lint ran side by side.
    expect(s.get(lint.id)!.start).toBeLessThan(s.get(test.id)!.end!);
    expect(s.get(deploy.id)!.start).toBeGreaterThanOrEqual(Math.max(s.get(test.id)!.end!, s.get(lint.id)!.end!));
    // The file keeps the dependencies, never the reason (that is only shown).
    expect(h.task(deploy.id).after).toEqual([test.id, lint.id]);
    expect(h.task(deploy.id).queueReason).toBeUndefined();
  });

  it('a dependency that fails, or is cancelled, fails what waits for it (never run), naming it and its status, down the chain', async () => {
    h.writeConfig({ onFinish: `echo "$DEV_TOOLS_TASK_ID $DEV_TOOLS_TASK_STATUS" >> ${join(h.home, 'hooks')}` });
    const build = h.sh('web', `${gate('build')}; exit 3`);
    const test = h.sh('web', recorded('true'), ['--after', build.id]);
    const deploy = h.sh('web', recorded('true'), ['--after', test.id]);
    const blocker = h.sh('api', 'sleep 30');
    const other = h.sh('api', recorded('true'), ['--after', blocker.id]);
    open('build');
    const t = await h.waitForStatus(test.id, ['failed']);
    expect(t.error).toBe(`dependency ${build.id} failed`);
    const d = await h.waitForStatus(deploy.id, ['failed']);
    expect(d.error).toBe(`dependency ${test.id} failed`);
    expect(h.run(['cancel', blocker.id]).code).toBe(0);
    const o = await h.waitForStatus(other.id, ['failed']);
    expect(o.error).toBe(`dependency ${blocker.id} was cancelled`);
    await h.settled();
    expect(spans().size).toBe(0);
    for (const x of [t, d, o]) expect([x.id, x.startedAt ?? null, x.pid ?? null]).toEqual([x.id, null, null]);
    // Each ended once, so each onFinish ran once.
    const hooks = readFileSync(join(h.home, 'hooks'), 'utf8').trim().split('\n').sort();
    expect(hooks).toEqual(
      [`${build.id} failed`, `${test.id} failed`, `${deploy.id} failed`, `${blocker.id} cancelled`, `${other.id} failed`].sort(),
    );
  });

  it('an unknown id or a cycle is refused at launch, and nothing is created', async () => {
    const before = readdirSync(join(h.home)).length;
    const r = h.run(['task', 'web', 'x', '-b', '--after', 'zzzz9', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--after "zzzz9": no task matches id "zzzz9"');
    expect(readdirSync(join(h.home)).length).toBeGreaterThanOrEqual(before);
    expect(h.allTasks()).toEqual([]);
    // Two queued tasks that wait for each other (written by hand, or by a version without the check).
    writeTaskFile(h.home, makeTaskJson({ id: 'aaaaaaaa', status: 'queued', after: ['bbbbbbbb'] }));
    writeTaskFile(h.home, makeTaskJson({ id: 'bbbbbbbb', status: 'queued', after: ['aaaaaaaa'] }));
    const c = h.run(['task', 'web', 'x', '-b', '--after', 'aaaa', '--', 'true']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('--after: the dependencies form a cycle (aaaaaaaa → bbbbbbbb → aaaaaaaa)');
    expect(
      h
        .allTasks()
        .map((t) => t.id)
        .sort(),
    ).toEqual(['aaaaaaaa', 'bbbbbbbb']);
  });

  it('restart --after: the new task waits for the given task; its timeout and retries go with it', async () => {
    const first = h.sh('web', 'exit 0', ['--timeout', '5m', '--retries', '2']);
    await h.waitForStatus(first.id, ['completed']);
    const blocker = h.sh('web', 'sleep 1');
    const r = h.run(['restart', first.id, '-b', '--json', '--after', blocker.id]);
    expect(r.code).toBe(0);
    const again = JSON.parse(r.stdout) as TaskJson;
    expect([again.status, again.after, again.timeout, again.attempts]).toEqual(['queued', [blocker.id], 300, 3]);
    const done = await h.waitForStatus(again.id, ['completed']);
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(h.task(blocker.id).completedAt!));
  });
});

describe('per-project limits', () => {
  it("holds projects.<p>.maxParallel and maxParallelTasks both; a full project does not hold back another's tasks", async () => {
    h.writeConfig({ maxParallelTasks: 3, projects: { web: { maxParallel: 1 } } });
    const web = [0, 1, 2].map(() => h.sh('web', recorded(`${gate('all')}; sleep 0.3`)));
    const api = [0, 1, 2].map(() => h.sh('api', recorded(`${gate('all')}; sleep 0.3`)));
    // The second web task waits for its project, not for a slot; an api task launched after it runs now.
    expect(h.task(web[1]!.id).status).toBe('queued');
    expect(h.task(api[0]!.id).status).toBe('running');
    expect(h.run(['status']).stdout).toContain('⧗ web full (1)');
    open('all');
    const ids = [...web, ...api].map((t) => t.id);
    await waitFor(() => ids.every((id) => h.task(id).status === 'completed') || undefined, 'all to complete', 60_000);
    const s = spans();
    const overlap = (which: string[]) => {
      const ev = which.flatMap((id) => [
        [s.get(id)!.start, 1],
        [s.get(id)!.end!, -1],
      ]);
      ev.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
      let cur = 0;
      let max = 0;
      for (const [, d] of ev) max = Math.max(max, (cur += d!));
      return max;
    };
    expect(overlap(web.map((t) => t.id))).toBe(1);
    expect(overlap(ids)).toBeLessThanOrEqual(3);
    for (const id of ids) expect(s.get(id)?.starts).toBe(1);
  });
});

describe('timeouts', () => {
  it('stops an attempt past --timeout as cancel does (TERM, grace, KILL of the whole tree) and fails it with timedOut', async () => {
    h.writeConfig({ cancelGraceMs: 300 });
    const t = h.sh('web', 'trap "" TERM; sh -c \'trap "" TERM; sleep 60\' & sleep 60; wait', ['--timeout', '1s']);
    const run = await waitFor(() => {
      const x = h.task(t.id);
      return x.commandPid ? x : undefined;
    }, 'it to run');
    await waitFor(() => groupMembers(run.commandPid!).length >= 3 || undefined, 'the tree to start');
    const end = await h.waitForStatus(t.id, ['failed'], 20_000);
    expect([end.status, end.timedOut, end.error]).toEqual(['failed', true, 'timed out after 1s']);
    expect(groupMembers(run.commandPid!)).toEqual([]);
    expect(Date.parse(end.completedAt!) - Date.parse(end.startedAt!)).toBeGreaterThanOrEqual(1000);
    expect(h.log(t.id)).toContain('timed out after 1s: stopping it');
  });

  it("takes the project's timeout when none is given; a task that ends in time is not touched", async () => {
    h.writeConfig({ projects: { web: { timeout: '1s' } } });
    const slow = h.sh('web', 'sleep 30');
    const quick = h.sh('web', 'exit 0');
    expect(slow.timeout).toBe(1);
    expect((await h.waitForStatus(slow.id, ['failed'])).error).toBe('timed out after 1s');
    const q = await h.waitForStatus(quick.id, ['completed']);
    expect(q.timedOut).toBeUndefined();
  });

  it('refuses a timeout that is not a duration', () => {
    const r = h.run(['task', 'web', 'x', '-b', '--timeout', '10 minutes', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--timeout must be a duration such as 90s, 10m or 2h, not "10 minutes"');
    expect(h.allTasks()).toEqual([]);
  });
});

describe('retries', () => {
  it('runs a failed attempt again in the same task, with a header per attempt in the log; the history keeps the successful attempt', async () => {
    const counter = join(h.home, 'count');
    // Fails twice (after 1 s each), then succeeds at once.
    const t = h.sh(
      'web',
      `n=$(cat ${counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counter}; echo "run $n"; [ $n -ge 3 ] || { sleep 1; exit 5; }`,
      ['--retries', '3'],
    );
    expect(t.attempts).toBe(4);
    const end = await h.waitForStatus(t.id, ['completed']);
    expect([end.status, end.attempt, end.attempts]).toEqual(['completed', 3, 4]);
    const log = h.log(t.id);
    expect(log).toMatch(
      /── attempt 1\/4 ──[\s\S]*run 1[\s\S]*attempt 1\/4 failed \(exit code 5\)[\s\S]*── attempt 2\/4 ──[\s\S]*run 2[\s\S]*── attempt 3\/4 ──[\s\S]*run 3/,
    );
    expect(log).not.toContain('attempt 4/4');
    // The duration recorded for the ETA is the successful attempt's (well under the 2 s of the failed ones).
    const history = readdirSync(join(h.home, 'history'))
      .map((f) => readFileSync(join(h.home, 'history', f), 'utf8'))
      .join('');
    const durations = history
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { durationMs: number }).durationMs);
    expect(durations).toHaveLength(1);
    expect(durations[0]).toBeLessThan(1000);
  });

  it('gives up after the last attempt; a timed-out attempt is not retried unless retryOnTimeout; exp delays 1 s, 2 s', async () => {
    h.writeConfig({ projects: { slow: { timeout: 1, retries: 2, retryOnTimeout: true, retryDelay: 'exp' } } });
    // Three tasks of their own, side by side.
    const fails = h.sh('web', 'exit 7', ['--retries', '1']);
    const noRetry = h.sh('web', 'sleep 30', ['--retries', '2', '--timeout', '1s']);
    const slow = h.sh('slow', 'sleep 30');
    const f = await h.waitForStatus(fails.id, ['failed']);
    expect([f.attempt, f.attempts, f.exitCode]).toEqual([2, 2, 7]);
    const n = await h.waitForStatus(noRetry.id, ['failed']);
    expect([n.attempt, n.timedOut]).toEqual([1, true]);
    const s = await h.waitForStatus(slow.id, ['failed'], 40_000);
    expect([s.attempt, s.attempts, s.timedOut, s.error]).toEqual([3, 3, true, 'timed out after 1s']);
    expect(h.log(slow.id)).toMatch(
      /attempt 1\/3 failed \(timed out\); the next in 1s[\s\S]*attempt 2\/3 failed \(timed out\); the next in 2s/,
    );
    // 3 attempts of 1 s, and 1 s + 2 s between them.
    expect(Date.parse(s.completedAt!) - Date.parse(s.startedAt!)).toBeGreaterThanOrEqual(6000);
  });

  it('a cancel during the wait between attempts ends the task cancelled at once, with no further attempt', async () => {
    h.writeConfig({ projects: { web: { retryDelay: '60s' } } });
    const t = h.sh('web', 'echo ran; exit 1', ['--retries', '3']);
    await waitFor(() => h.log(t.id).includes('the next in 1m') || undefined, 'the first attempt to fail');
    const started = Date.now();
    expect(h.run(['cancel', t.id]).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const end = await h.waitForStatus(t.id, ['cancelled']);
    expect(end.attempt).toBe(1);
    expect(h.log(t.id).match(/^ran$/gm)).toHaveLength(1);
  });
});

describe('pause and resume', () => {
  it('holds queued tasks of a paused project (running ones go on), survives in the state dir, and resume starts them', async () => {
    h.writeConfig({ maxParallelTasks: 4 });
    const running = h.sh('web', 'sleep 1.5');
    expect(h.run(['pause', 'web']).stdout).toContain('paused project web');
    expect(JSON.parse(readFileSync(join(h.home, 'paused.json'), 'utf8'))).toEqual({ all: false, projects: ['web'] });
    const held = h.sh('web', recorded('true'));
    const other = h.sh('api', recorded('true'));
    expect(held.status).toBe('queued');
    await h.waitForStatus(other.id, ['completed']);
    await h.waitForStatus(running.id, ['completed']);
    // The running task's worker ran the scheduler as it ended: the paused task stayed.
    expect(h.task(held.id).status).toBe('queued');
    const st = h.run(['status']).stdout;
    expect(st).toContain('⧗ paused');
    expect(st).toContain('paused: web');
    expect(h.run(['resume', 'web']).stdout).toContain('resumed project web');
    await h.waitForStatus(held.id, ['completed']);
    expect(existsSync(join(h.home, 'paused.json'))).toBe(false);
  });

  it('pause without a project holds every project; resume lifts every pause', async () => {
    h.run(['pause', 'api']);
    expect(h.run(['pause']).stdout).toContain('paused the queue');
    const a = h.sh('web', 'true');
    const b = h.sh('api', 'true');
    expect(h.run(['status']).stdout).toContain('paused: all projects (and api)');
    const partial = h.run(['resume', 'web']);
    expect(partial.stdout).toContain('all projects are still paused');
    expect([h.task(a.id).status, h.task(b.id).status]).toEqual(['queued', 'queued']);
    h.run(['resume']);
    await h.waitForStatus(a.id, ['completed']);
    await h.waitForStatus(b.id, ['completed']);
  });
});

describe('priority', () => {
  it('higher starts first, ties in launch order; `priority` reorders a queued task and refuses one that is not queued', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const go = join(h.home, 'go');
    const blocker = h.sh('web', `while [ ! -e ${go} ]; do sleep 0.05; done`);
    const a = h.sh('web', recorded('true'));
    const b = h.sh('web', recorded('true'));
    const c = h.sh('web', recorded('true'), ['--priority', '5']);
    const d = h.sh('web', recorded('true'), ['--priority', '5']);
    const r = h.run(['priority', b.id.slice(0, 5), '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`priority of ${b.id} is 10`);
    const refused = h.run(['priority', blocker.id, '3']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is running: only a queued task');
    expect(h.run(['priority', a.id, 'high']).code).toBe(2);
    writeFileSync(go, '');
    const ids = [a, b, c, d].map((t) => t.id);
    await waitFor(() => ids.every((id) => h.task(id).status === 'completed') || undefined, 'all to complete', 30_000);
    const order = [...spans().entries()].sort((x, y) => x[1].start - y[1].start).map(([id]) => id);
    expect(order).toEqual([b.id, c.id, d.id, a.id]);
  });
});
