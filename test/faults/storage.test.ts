// Storage faults: broken task files and config, a read-only or forbidden state
// directory, a full disk (a real 64 KiB tmpfs), logs cut or deleted while followed.
// Over 250 lines: the scenarios of one area, each with real processes; they share one set-up, so they stay together.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, groupMembers, Harness, killGroup, pidsWithEnv, waitFor } from '../integration/harness.js';
import { bindReadOnly, canMount, mountTmpfs, setprivPrefix, unmount, writeTask } from './fault-kit.js';

let h: Harness;
let mounted: string[];
let scratch: string;
let mountable = false;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'dev-tools-faults-'));
  mountable = canMount(scratch);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  h = new Harness();
  mounted = [];
});
afterEach(() => {
  // Processes first (they may hold files on the mount), then the mounts, then the folder.
  for (const m of mounted) unmount(m);
  h.cleanup();
});

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);
const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));
const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/** Checks that `check` stays true for `ms` (polled); fails as soon as it does not. */
async function holds(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!check()) throw new Error(`expected ${what} for ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('broken task files', () => {
  it('truncated, garbage, empty and foreign files: status warns and goes on, commands on them fail clearly, the queue still runs', async () => {
    const good = h.sh('web', 'echo fine');
    await h.waitForStatus(good.id, ['completed']);
    const tasks = join(h.home, 'tasks');
    const whole = JSON.stringify(h.task(good.id));
    writeFileSync(join(tasks, 'trunc001.json'), whole.replace(good.id, 'trunc001').slice(0, 40));
    writeFileSync(join(tasks, 'garbag01.json'), Buffer.from([0xff, 0x00, 0xfe, 0x7b, 0x0a]));
    writeFileSync(join(tasks, 'empty001.json'), '');
    writeFileSync(join(tasks, 'foreig01.json'), whole); // says another id
    writeFileSync(join(tasks, 'shape001.json'), JSON.stringify({ id: 'shape001', status: 'exploded' }));
    writeFileSync(join(tasks, 'done', 'trunc002.json'), '{"id": "trun');

    const status = h.run(['status', '--all']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(good.id);
    for (const id of ['trunc001', 'garbag01', 'empty001', 'foreig01', 'shape001', 'trunc002'])
      expect(status.stderr).toContain(`${id}.json is unreadable`);
    noStack(status.stderr);
    const json = h.run(['status', '--all', '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { id: string }[]).map((t) => t.id)).toEqual([good.id]);

    for (const args of [
      ['logs', 'trunc001'],
      ['cancel', 'garbag01'],
      ['wait', 'empty001'],
      ['restart', 'trunc002'],
    ]) {
      const r = h.run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/unreadable/);
      noStack(r.stderr);
    }
    // The scheduler skips them: new tasks still start and finish.
    const next = h.sh('web', 'echo after');
    expect((await h.waitForStatus(next.id, ['completed'])).exitCode).toBe(0);
    // Nothing rewrote or removed the broken files (they are evidence, not ours to fix).
    expect(readFileSync(join(tasks, 'empty001.json'), 'utf8')).toBe('');
  });
});

describe('config.json', () => {
  const cases: [string, string | object, RegExp][] = [
    ['invalid JSON', '{"maxParallelTasks": 3,', /not valid JSON/],
    ['not an object', '[1, 2]', /must hold a JSON object/],
    ['wrong type at the top', { maxParallelTasks: 'ten' }, /maxParallelTasks/],
    ['zero slots', { maxParallelTasks: 0 }, /maxParallelTasks must be a positive integer/],
    ['negative grace', { cancelGraceMs: -5 }, /cancelGraceMs/],
    ['unknown key', { maxParalelTasks: 3 }, /unknown key maxParalelTasks/],
    ['unknown nested key', { projects: { web: { stage: [] } } }, /unknown key projects\.web\.stage/],
    ['wrong nested type', { projects: { web: { env: { A: 1 } } } }, /projects\.web\.env\.A/],
    ['stage without run', { projects: { web: { stages: [{ name: 'b' }] } } }, /projects\.web\.stages\.0\.run/],
    ['a grace of three thousand years', { cancelGraceMs: 99999999999999 }, /cancelGraceMs must be at most 3600000 \(one hour/],
    ['__proto__ in a project env', '{"projects": {"web": {"env": {"__proto__": "x"}}}}', /projects\.web\.env cannot hold "__proto__"/],
    ['"=" in a variable name', { projects: { web: { env: { 'A=B': 'x' } } } }, /projects\.web\.env has an invalid variable name "A=B"/],
    ['a NUL in a variable', { projects: { web: { env: { A: 'x\u0000y' } } } }, /projects\.web\.env\.A must not hold a NUL character/],
  ];
  it.each(cases)('%s: exit 2 with one line naming the problem, and no task is created', (_name, config, message) => {
    h.writeConfig(config);
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(jsonFiles(join(h.home, 'tasks'))).toEqual([]);
  });

  it('config.json invalid for a moment (half-saved) while tasks wait: they run by the last valid config; status, logs and cancel work with one warning; a launch refuses', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const flag = join(h.home, 'go');
    const first = h.sh('web', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    const queued = h.launch('other', 'another project', ['sh', '-c', 'echo ran']);
    const doomed = h.sh('web', 'echo cancelled-before');
    expect([queued.status, doomed.status]).toEqual(['queued', 'queued']);
    await waitFor(() => h.task(first.id).pid || undefined, 'the first worker to start');
    h.writeConfig('{"maxParallelTasks": 1, oops');
    const warning = /^warning: config\.json: not valid JSON \(.*\); using the last valid config$/;
    for (const args of [['status'], ['logs', first.id], ['status', '--json'], ['cancel', doomed.id]]) {
      const r = h.run(args);
      // Was: exit 2 for each, so nothing running could be looked at or stopped.
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim(), args.join(' ')).toMatch(warning);
    }
    expect(h.task(doomed.id).status).toBe('cancelled');
    const launch = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(launch.code).toBe(2);
    expect(launch.stderr).toMatch(/config\.json: not valid JSON/);
    writeFileSync(flag, '');
    await h.waitForStatus(first.id, ['completed']);
    // Was: failed, "config.json: not valid JSON", though the task did not even use it.
    const done = await h.waitForStatus(queued.id, ['completed', 'failed'], 20_000);
    expect(done.status).toBe('completed');
    expect(h.log(queued.id)).toContain('ran');
    expect(h.log(queued.id)).toMatch(/==> \[dev-tools\] config\.json: not valid JSON .*; using the last valid config/);
  });

  it('a config.json too large to be a config is refused before it is read (a launch exits 2; status warns and goes on)', () => {
    h.writeConfig({ projects: { web: { env: { BIG: 'x'.repeat(2 * 1024 * 1024) } } } });
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dev-tools: config\.json is too large \(\d+ bytes; at most 1048576\)/);
    expect(jsonFiles(join(h.home, 'tasks'))).toEqual([]);
    const status = h.run(['status']);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/config\.json is too large .*; using the defaults/);
  });
});

describe('read-only and forbidden state directory', () => {
  it('read-only (bind mount): launching fails with a clear error, reading still works, and a worker whose final write failed lands it once writable again', async (ctx) => {
    if (!mountable) ctx.skip();
    const done = h.sh('web', 'echo kept');
    await h.waitForStatus(done.id, ['completed']);
    const flag = join(scratch, `go-${done.id}`);
    const running = h.sh('web', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    await waitFor(() => h.task(running.id).pid || undefined, 'the worker');
    expect(bindReadOnly(h.home)).toBe(true);
    mounted.push(h.home);

    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/read-only file system/);
    noStack(r.stderr);
    const status = h.run(['status', '--all']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(done.id);
    expect(h.run(['logs', done.id]).stdout).toContain('kept');

    // The command ends while the state is read-only: the worker's final write fails, and it retries.
    const { commandPid } = h.task(running.id);
    writeFileSync(flag, '');
    await waitFor(() => groupMembers(commandPid!).length === 0 || undefined, 'the command to end');
    await holds(() => h.task(running.id).status === 'running', 600, 'the task file to keep its last state');
    unmount(h.home);
    mounted = [];
    const final = await h.waitForStatus(running.id, ['completed'], 10_000);
    expect(final.exitCode).toBe(0);
    rmSync(flag, { force: true });
  });

  it('a state dir of another user (here root, seen from uid 65534): every command refuses it, naming the owner and the fix', (ctx) => {
    const prefix = setprivPrefix();
    if (!prefix) ctx.skip();
    h.run(['status']);
    chmodSync(h.home, 0o700);
    for (const args of [['status'], ['task', 'web', 'x', '-b', '--', 'true'], ['logs', 'abcd']]) {
      const r = spawnSync(prefix![0]!, [...prefix!.slice(1), process.execPath, BIN, ...args], { env: h.env(), encoding: 'utf8', cwd: '/' });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(
        /state directory .* is owned by uid 0, not by you \(uid 65534\): refusing to use it \(remove it, or set DEV_TOOLS_HOME to a directory of your own\)/,
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      noStack(r.stderr);
    }
  });
});

describe('disk full (a 64 KiB tmpfs)', () => {
  function fill(dir: string): void {
    // Fill every page that is left; ENOSPC ends dd.
    spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4096'], { stdio: 'ignore' });
  }

  it('launching on a full disk: a clear error, no half-written or temp file, the earlier task files intact', async (ctx) => {
    if (!mountable) ctx.skip();
    expect(mountTmpfs(h.home, '64k')).toBe(true);
    mounted.push(h.home);
    const t = h.sh('web', 'echo small');
    await h.waitForStatus(t.id, ['completed']);
    const before = readFileSync(join(h.home, 'tasks', 'done', `${t.id}.json`), 'utf8');
    fill(h.home);
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the disk is full/);
    noStack(r.stderr);
    expect(jsonFiles(join(h.home, 'tasks'))).toEqual([]);
    expect(tempFiles(join(h.home, 'tasks'))).toEqual([]);
    expect(readFileSync(join(h.home, 'tasks', 'done', `${t.id}.json`), 'utf8')).toBe(before);
  });

  it('the disk fills while a task writes its log: the command is never blocked, the task file stays whole, the final state lands once space is freed', async (ctx) => {
    if (!mountable) ctx.skip();
    expect(mountTmpfs(h.home, '64k')).toBe(true);
    mounted.push(h.home);
    // 16 KiB set aside now and freed later: unlinking the log would free nothing (the worker holds it open).
    writeFileSync(join(h.home, 'reserve'), Buffer.alloc(16 * 1024));
    const flag = join(scratch, `go-${Date.now()}`);
    const done = join(scratch, `done-${Date.now()}`);
    // 200 KB of output into a 64 KiB disk, then progress (a state write), then the end.
    const t = h.sh(
      'web',
      `while [ ! -e ${flag} ]; do sleep 0.05; done; head -c 200000 /dev/zero | tr '\\0' x; echo; echo "::progress 50 half"; touch ${done}`,
    );
    await waitFor(() => h.task(t.id).pid || undefined, 'the worker');
    const path = join(h.home, 'tasks', `${t.id}.json`);
    writeFileSync(flag, '');
    // The command is not blocked by the full disk: it reaches its end.
    await waitFor(
      () => {
        try {
          readFileSync(done);
          return true;
        } catch {
          return undefined;
        }
      },
      'the command to finish writing',
      15_000,
    );
    // While full, every read of the task file is a whole, parseable task (never half a file).
    for (let i = 0; i < 10; i++) {
      const text = readFileSync(path, 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(h.task(t.id).status).toBe('running');
    // Free space within the worker's retry window.
    unlinkSync(join(h.home, 'reserve'));
    const final = await h.waitForStatus(t.id, ['completed'], 10_000);
    // The command wrote straight into the full log (as with a shell redirect): it saw ENOSPC itself and went on.
    expect(final.exitCode).toBe(0);
    expect(statSync(join(h.home, 'logs', `${t.id}.log`)).size).toBeGreaterThan(0);
    rmSync(flag, { force: true });
    rmSync(done, { force: true });
  });

  it('the disk full while a task runs: its state write fails, and so does the complaint about it in the log; the worker lives on and the task completes', async (ctx) => {
    if (!mountable) ctx.skip();
    expect(mountTmpfs(h.home, '64k')).toBe(true);
    mounted.push(h.home);
    const flag = join(scratch, `go-${Date.now()}`);
    const end = join(scratch, `end-${Date.now()}`);
    // The log fills its first page to the byte with the marker, so the page is full and the worker's
    // complaint needs a page the disk no longer has (as with 20-24 KiB free in the runs).
    const marker = '::progress 50 half\n';
    const t = h.sh(
      'web',
      `head -c ${4096 - marker.length - 1} /dev/zero | tr '\\0' x; echo; while [ ! -e ${flag} ]; do sleep 0.05; done; printf '${marker.replace('\n', '\\n')}'; while [ ! -e ${end} ]; do sleep 0.05; done`,
    );
    const running = await waitFor(
      () => (h.task(t.id).pid && statSync(join(h.home, 'logs', `${t.id}.log`)).size === 4096 - marker.length ? h.task(t.id) : undefined),
      'the first output',
    );
    fill(h.home);
    writeFileSync(flag, '');
    await waitFor(() => statSync(join(h.home, 'logs', `${t.id}.log`)).size === 4096 || undefined, 'the marker in the log');
    // The worker writes progress within a second: that write fails, and so does the line saying so.
    // Was: the unhandled 'error' of its stderr killed it, and the task was interrupted.
    await holds(() => groupMembers(running.pid!).length > 0, 2500, 'the worker to live on');
    rmSync(join(h.home, 'filler'));
    writeFileSync(end, '');
    const final = await h.waitForStatus(t.id, ['completed', 'failed', 'interrupted'], 15_000);
    expect([final.status, final.exitCode]).toEqual(['completed', 0]);
    rmSync(flag, { force: true });
    rmSync(end, { force: true });
  });

  it('task -b with 0-40 KiB free: each launch either succeeds and its task runs once, or fails leaving nothing behind', async (ctx) => {
    if (!mountable) ctx.skip();
    const ran = join(scratch, `ran-${Date.now()}`);
    writeFileSync(ran, '');
    const outcomes: string[] = [];
    for (let kib = 0; kib <= 40; kib += 4) {
      for (const extra of [[], ['--no-queue']]) {
        const home = mkdtempSync(join(scratch, 'home-'));
        expect(mountTmpfs(home, '96k')).toBe(true);
        const hh = new Harness();
        const env = { DEV_TOOLS_HOME: home };
        try {
          expect(hh.run(['status'], { env }).code).toBe(0);
          // Exactly `kib` left: a reserve of that size, the rest filled, the reserve freed.
          writeFileSync(join(home, 'reserve'), Buffer.alloc(kib * 1024));
          fill(home);
          rmSync(join(home, 'reserve'));
          const label = `${kib}k${extra.join('')}`;
          const r = hh.run(['task', 'web', label, '-b', '--json', ...extra, '--', 'sh', '-c', `echo ${label} >> ${ran}`], { env });
          noStack(r.stderr);
          rmSync(join(home, 'filler'));
          const left = (dir: string) => readdirSync(join(home, dir)).filter((f) => f !== 'done' && f !== 'done.jsonl');
          if (r.code === 0) {
            const id = (JSON.parse(r.stdout) as { id: string }).id;
            // Space is back: the next command that runs the scheduler starts it, once.
            await waitFor(
              () => (hh.run(['status'], { env }), readFileSync(ran, 'utf8').includes(`${label}\n`) || undefined),
              `${label} to run`,
              20_000,
            );
            await waitFor(() => existsSync(join(home, 'tasks', 'done', `${id}.json`)) || undefined, `${label} to end`);
            outcomes.push(`${label}:ran`);
          } else {
            // Was (12-16 KiB): exit 1 after the task file was written; the task then ran once space freed.
            expect(r.code, `${label}: ${r.stderr}`).toBe(1);
            expect(r.stderr, label).toMatch(/the disk is full/);
            expect([label, left('tasks'), left('env'), left('finish'), tempFiles(join(home, 'locks'))]).toEqual([label, [], [], [], []]);
            hh.run(['status'], { env });
            outcomes.push(`${label}:refused`);
          }
        } finally {
          for (const pid of pidsWithEnv(`DEV_TOOLS_HOME=${home}`)) killGroup(pid);
          unmount(home);
          hh.cleanup();
        }
      }
    }
    // Every launch that said so ran exactly once; none that was refused ever ran.
    const lines = readFileSync(ran, 'utf8').split('\n').filter(Boolean);
    expect(lines.sort()).toEqual(
      outcomes
        .filter((o) => o.endsWith(':ran'))
        .map((o) => o.split(':')[0]!)
        .sort(),
    );
    console.log(`[figure] launches on a full disk: ${outcomes.join(' ')}`);
    rmSync(ran, { force: true });
  });

  it('run/ full at a stage change: the stage that cannot record itself never runs, and the task says the disk is full (not exit 126)', async (ctx) => {
    if (!mountable) ctx.skip();
    expect(h.run(['status']).code).toBe(0);
    expect(mountTmpfs(join(h.home, 'run'), '64k')).toBe(true);
    mounted.push(join(h.home, 'run'));
    const flag = join(h.home, 'go');
    const second = join(h.home, 'second-ran');
    h.writeConfig({
      projects: {
        web: {
          cwd: h.home,
          stages: [
            { name: 'one', run: `while [ ! -e ${flag} ]; do sleep 0.05; done` },
            { name: 'two', run: `touch ${second}` },
          ],
        },
      },
    });
    const r = h.run(['task', 'web', 'two stages', '-b', '--json']);
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    await waitFor(() => h.task(id).commandPid || undefined, 'stage one');
    fill(join(h.home, 'run'));
    // Stage one's record is removed as it ends: a second name keeps its page taken, so the disk stays full.
    linkSync(join(h.home, 'run', id, 'step-0'), join(h.home, 'run', 'zz-keep'));
    writeFileSync(flag, '');
    const done = await h.waitForStatus(id, ['failed', 'completed']);
    // Was: failed with exit code 126, and "echo: I/O error" in the log, as if the stage had failed.
    expect(done.exitCode ?? null).toBeNull();
    expect(done.error).toBe(`cannot start stage 2/2 (two): cannot write its record in ${join(h.home, 'run', id)}: the disk is full`);
    expect(existsSync(second)).toBe(false);
    expect(h.log(id)).not.toMatch(/I\/O error/);
    const wait = h.run(['wait', id]);
    expect(wait.stdout).toMatch(/the disk is full/);
  });

  it('status on a full disk with a dead worker: warns that it cannot record interrupted, and still lists the tasks', async (ctx) => {
    if (!mountable) ctx.skip();
    expect(mountTmpfs(h.home, '64k')).toBe(true);
    mounted.push(h.home);
    h.run(['status']);
    // A worker that died long ago (pid 2^22 - 1 is never a live process here).
    writeTask(h, { id: 'deadwkr1', status: 'running', pid: 4194303, pidStartTime: 1, claimedAt: new Date(0).toISOString() });
    fill(h.home);
    const r = h.run(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deadwkr1');
    expect(r.stderr).toMatch(/deadwkr1.*the disk is full/);
    noStack(r.stderr);
    // Once there is room, the next status records it.
    rmSync(join(h.home, 'filler'));
    h.run(['status']);
    expect(h.task('deadwkr1').status).toBe('interrupted');
  });
});

describe('log cut or deleted while followed', () => {
  it('logs -f: a truncated log is followed from its new start, a deleted one does not stop it; it exits when the task ends', async () => {
    const step = (n: number) => join(h.home, `step${n}`);
    const big = 'b'.repeat(200);
    const t = h.sh(
      'web',
      `for i in $(seq 50); do echo ${big}; done; echo before-cut; while [ ! -e ${step(1)} ]; do sleep 0.05; done; echo after-cut; while [ ! -e ${step(2)} ]; do sleep 0.05; done; echo after-delete`,
    );
    const follow = h.start(['logs', '-f', t.id]);
    await waitFor(() => follow.stdout.includes('before-cut') || undefined, 'logs -f to show the first output');
    truncateSync(join(h.home, 'logs', `${t.id}.log`), 0);
    writeFileSync(step(1), '');
    await waitFor(() => follow.stdout.includes('after-cut') || undefined, 'logs -f to show output after the cut');
    expect(follow.stderr).toMatch(/truncated; following from its start/);
    unlinkSync(join(h.home, 'logs', `${t.id}.log`));
    writeFileSync(step(2), '');
    await h.waitForStatus(t.id, ['completed']);
    expect(await follow.exited).toBe(0);
  });
});

describe('files left by crashed processes', () => {
  /** A pid that was alive a moment ago and is not now (a process that crashed). */
  function deadPid(): number {
    const r = spawnSync('sh', ['-c', 'echo $$']);
    return Number(String(r.stdout).trim());
  }
  function plantTemp(target: string, pid: number, content: string, ageMs: number): string {
    const path = `${target}.${pid}.0badc0de.tmp`;
    writeFileSync(path, content);
    const t = new Date(Date.now() - ageMs);
    utimesSync(path, t, t);
    return path;
  }

  it("clean and the maintenance of any other command remove temp files whose writer is gone; a live writer's temp file is kept", async () => {
    const t = h.sh('web', 'true');
    await h.waitForStatus(t.id, ['completed']);
    const dead = deadPid();
    // A CLI killed while it took the scheduler lock, a worker killed mid-write of a finished task, the config cache.
    const lockTemp = plantTemp(join(h.home, 'locks', 'scheduler.lock'), dead, '{"pid":1}', 60_000);
    const taskTemp = plantTemp(join(h.home, 'tasks', `${t.id}.json`), dead, '{"id":', 60_000);
    const configTemp = plantTemp(join(h.home, 'config.validated.json'), dead, '{}', 60_000);
    // Was never swept: an onFinish mark written by a launch killed between write and rename.
    const finishTemp = plantTemp(join(h.home, 'finish', `${t.id}.json`), dead, '{}', 60_000);
    const live = plantTemp(join(h.home, 'locks', 'scheduler.lock'), process.pid, '{}', 60_000);
    const fresh = plantTemp(join(h.home, 'locks', 'other.lock'), dead, '{}', 0);
    const r = h.run(['clean']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/removed 4 files left by crashed processes/);
    for (const p of [lockTemp, taskTemp, configTemp, finishTemp]) expect(existsSync(p), p).toBe(false);
    // The writer is alive (it may rename it any moment), or the file is too young to judge.
    expect(existsSync(live)).toBe(true);
    expect(existsSync(fresh)).toBe(true);
    // Any command that runs the scheduler does the same, at most once every 10 s per state dir (a stamp says when).
    const again = plantTemp(join(h.home, 'locks', 'scheduler.lock'), dead, '{}', 60_000);
    const old = new Date(Date.now() - 11_000);
    utimesSync(join(h.home, 'maintained'), old, old);
    expect(h.run(['status']).code).toBe(0);
    const stamped = statSync(join(h.home, 'maintained')).mtimeMs;
    expect(existsSync(again)).toBe(false);
    const later = plantTemp(join(h.home, 'locks', 'scheduler.lock'), dead, '{}', 60_000);
    expect(h.run(['status']).code).toBe(0);
    expect(h.run(['task', 'web', 'x', '-b', '--', 'true']).code).toBe(0);
    // Swept already within the interval: not again, whatever runs.
    expect(existsSync(later)).toBe(true);
    expect(statSync(join(h.home, 'maintained')).mtimeMs).toBe(stamped);
    // Once due (the stamp is old), the next command sweeps.
    utimesSync(join(h.home, 'maintained'), old, old);
    expect(h.run(['status']).code).toBe(0);
    expect(existsSync(later)).toBe(false);
    rmSync(live);
  });
});
