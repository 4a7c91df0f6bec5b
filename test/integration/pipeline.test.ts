import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, watch, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { alive, groupMembers, Harness, waitFor } from './harness.js';
import type { Task } from '../../src/core/task.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

function pipeline(stages: { name: string; run: string }[], top: Record<string, unknown> = {}) {
  const dir = join(h.home, 'proj');
  mkdirSync(dir, { recursive: true });
  h.writeConfig({ ...top, projects: { web: { cwd: dir, env: { COLOR: 'blue' }, stages } } });
  return dir;
}

function launchPipeline(description = 'pipe'): Task {
  const r = h.run(['task', 'web', description, '-b', '--json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Task;
}

describe('pipelines', () => {
  it('runs stages in order in the project cwd with its env and DEV_TOOLS_STAGE', async () => {
    const dir = pipeline([
      { name: 'architect', run: 'echo "$DEV_TOOLS_STAGE $COLOR $(pwd)" >> trace' },
      { name: 'build', run: 'echo "$DEV_TOOLS_STAGE $COLOR $DEV_TOOLS_TASK_DESCRIPTION" >> trace' },
      { name: 'test', run: 'echo "$DEV_TOOLS_STAGE" >> trace' },
    ]);
    const t = launchPipeline('Add login');
    const done = await h.waitForStatus(t.id, ['completed']);
    expect(readFileSync(join(dir, 'trace'), 'utf8')).toBe(`architect blue ${dir}\nbuild blue Add login\ntest\n`);
    expect(done.stage).toMatchObject({ index: 2, count: 3, name: 'test' });
    expect(done.progress?.percent).toBe(100);
    expect(done.cwd).toBe(dir);
    expect(done.stages).toHaveLength(3);
    const log = h.log(t.id);
    expect(log).toMatch(/stage 1\/3: architect[\s\S]*stage 2\/3: build[\s\S]*stage 3\/3: test/);
  });

  it('expands ~ in the project cwd', async () => {
    const fakeHome = join(h.home, 'home');
    mkdirSync(join(fakeHome, 'code'), { recursive: true });
    h.writeConfig({ projects: { web: { cwd: '~/code', stages: [{ name: 'where', run: 'pwd' }] } } });
    const r = h.run(['task', 'web', 'where', '-b', '--json'], { env: { HOME: fakeHome } });
    const t = JSON.parse(r.stdout) as Task;
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain(`${join(fakeHome, 'code')}\n`);
  });

  it('stops at the first failing stage and records it', async () => {
    const dir = pipeline([
      { name: 'one', run: 'echo one >> trace' },
      { name: 'two', run: 'echo two >> trace; exit 7' },
      { name: 'three', run: 'echo three >> trace' },
    ]);
    const t = launchPipeline();
    const failed = await h.waitForStatus(t.id, ['failed']);
    expect(failed.exitCode).toBe(7);
    expect(failed.stage).toMatchObject({ index: 1, name: 'two' });
    expect(readFileSync(join(dir, 'trace'), 'utf8')).toBe('one\ntwo\n');
    expect(h.log(t.id)).toMatch(/stage 2\/3 two failed \(exit code 7\)/);
  });

  it("cancel mid-stage kills that stage's tree and runs no later stage", async () => {
    const dir = pipeline(
      [
        { name: 'one', run: 'true' },
        { name: 'two', run: 'sleep 60 & sleep 60 & echo up; wait' },
        { name: 'three', run: 'touch ran-three' },
      ],
      { cancelGraceMs: 1000 },
    );
    const t = launchPipeline();
    const running = await waitFor(() => {
      const x = h.task(t.id);
      return x.stage?.index === 1 && x.commandPid && groupMembers(x.commandPid).length >= 3 ? x : undefined;
    }, 'stage two to run');
    const members = groupMembers(running.commandPid!);
    expect(h.run(['cancel', t.id]).code).toBe(0);
    const final = h.task(t.id);
    expect(final.status).toBe('cancelled');
    expect(final.stage?.name).toBe('two');
    for (const pid of members) expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'ran-three'))).toBe(false);
  });

  it('advances overall progress by stage without markers, and by markers within a stage', async () => {
    const gate = join(h.home, 'gate');
    pipeline([
      { name: 'one', run: 'true' },
      { name: 'two', run: `echo "::progress 50 halfway"; while [ ! -e ${gate} ]; do sleep 0.05; done` },
    ]);
    const t = launchPipeline();
    const mid = await waitFor(() => {
      const x = h.task(t.id);
      return x.progress?.percent === 75 ? x : undefined;
    }, 'overall 75%');
    expect(mid.progress?.message).toBe('halfway');
    expect(mid.stage).toMatchObject({ index: 1, count: 2, name: 'two' });
    const status = h.run(['status'], { env: { COLUMNS: '160' } });
    expect(status.stdout).toMatch(/2\/2 two/);
    expect(status.stdout).toMatch(/\[#+\.+\]\s+75%/);
    writeFileSync(gate, '');
    await h.waitForStatus(t.id, ['completed']);
  });
});

describe('markers', () => {
  it('updates progress and stage; logs and followers do not show marker lines', async () => {
    const gate = join(h.home, 'gate');
    const t = h.sh(
      'web',
      `echo before; echo "::stage compile"; echo "::progress 40 compiling"; echo "::progress abc"; echo "::progress 150"; echo "::progress -3"; echo after; while [ ! -e ${gate} ]; do sleep 0.05; done`,
    );
    const mid = await waitFor(() => {
      const x = h.task(t.id);
      return x.progress?.percent === 40 && x.stage?.name === 'compile' ? x : undefined;
    }, 'markers to be read');
    expect(mid.progress?.message).toBe('compiling');
    writeFileSync(gate, '');
    const done = await h.waitForStatus(t.id, ['completed']);
    expect(done.progress?.percent).toBe(100);
    // The file keeps every byte; readers hide valid markers and show malformed ones as output.
    expect(h.log(t.id)).toContain('::progress 40 compiling\n');
    expect(h.run(['logs', t.id]).stdout).toBe('before\n::progress abc\n::progress 150\n::progress -3\nafter\n');
    expect(h.run(['logs', t.id, '-n', '2']).stdout).toBe('::progress -3\nafter\n');
  });

  it('keeps reading markers after the log is truncated under it', async () => {
    const gate = join(h.home, 'gate');
    const t = h.sh(
      'web',
      `echo "::progress 10"; echo filler; while [ ! -e ${gate} ]; do sleep 0.05; done; echo "::progress 60 after"; sleep 60`,
    );
    await waitFor(() => (h.task(t.id).progress?.percent === 10 ? true : undefined), 'the first marker');
    writeFileSync(join(h.home, 'logs', `${t.id}.log`), '');
    writeFileSync(gate, '');
    const after = await waitFor(() => {
      const x = h.task(t.id);
      return x.progress?.percent === 60 ? x : undefined;
    }, 'the marker written after the truncation');
    expect(after.progress?.message).toBe('after');
  });

  it('bounds task-file writes under a flood of 100,000 markers and stays responsive', async () => {
    const script = 'i=0; while [ $i -lt 100000 ]; do echo "::progress $((i % 100)) m"; i=$((i+1)); done; echo flood-done';
    const tasksDir = join(h.home, 'tasks');
    mkdirSync(tasksDir, { recursive: true });
    let writes = 0;
    let id = '';
    const watcher = watch(tasksDir, (_event, name) => {
      if (id && name === `${id}.json`) writes++;
    });
    try {
      const started = Date.now();
      const t = h.launch('web', 'flood', ['sh', '-c', script]);
      id = t.id;
      const done = await h.waitForStatus(t.id, ['completed'], 120_000);
      const seconds = (Date.parse(done.completedAt!) - Date.parse(done.startedAt!)) / 1000;
      expect(h.run(['logs', t.id]).stdout).toBe('flood-done\n');
      // At most 4 writes a second (250 ms apart), plus the first, final and a few for the rename events.
      expect(writes).toBeLessThanOrEqual(Math.ceil(seconds * 4) * 2 + 10);
      expect(Date.now() - started).toBeLessThan(120_000);
    } finally {
      watcher.close();
    }
  });
});

describe('eta', () => {
  it('estimates from the rate of progress while markers arrive', async () => {
    const t = h.sh('web', 'i=1; while [ $i -le 40 ]; do echo "::progress $((i * 2))"; sleep 0.1; i=$((i+1)); done; sleep 60');
    const mid = await waitFor(() => {
      const x = h.task(t.id);
      return x.progress?.etaSeconds && (x.progress.percent ?? 0) >= 30 ? x : undefined;
    }, 'an ETA from the rate');
    // About 20%/s: the rest takes a few seconds, never 0 or negative.
    expect(mid.progress!.etaSeconds).toBeGreaterThan(0);
    expect(mid.progress!.etaSeconds).toBeLessThan(30);
  });

  it('estimates from earlier runs when no progress is reported, unknown otherwise', async () => {
    const cmd = ['sh', '-c', 'sleep 1'];
    const first = h.launch('hist', 'first', cmd);
    const f = await h.waitForStatus(first.id, ['completed']);
    expect(f.progress?.etaSeconds ?? null).toBeNull();
    const longer = h.launch('hist', 'longer', ['sh', '-c', 'sleep 3']);
    // Meanwhile (a command of its own, so it changes nothing of longer's estimate).
    const second = h.launch('hist', 'second', ['sh', '-c', 'sleep 1; sleep 4']);
    // A different command has no history: unknown.
    const l = await waitFor(() => {
      const x = h.task(longer.id);
      return x.pid ? x : undefined;
    }, 'worker pid');
    expect(l.progress?.etaSeconds ?? null).toBeNull();
    await h.waitForStatus(longer.id, ['completed']);
    await h.waitForStatus(second.id, ['completed']);
    // Same project and command as `second`: its duration (~5 s) is the history.
    const third = h.launch('hist', 'third', ['sh', '-c', 'sleep 1; sleep 4']);
    const th = await waitFor(() => {
      const x = h.task(third.id);
      return x.pid ? x : undefined;
    }, 'worker pid');
    expect(th.progress?.etaSeconds).toBeGreaterThanOrEqual(2);
    expect(th.progress?.etaSeconds).toBeLessThanOrEqual(6);
    const status = JSON.parse(h.run(['status', '--json']).stdout) as Task[];
    expect(status[0]!.progress?.etaSeconds).toBe(th.progress?.etaSeconds);
  });
});
