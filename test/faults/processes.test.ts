// Faults of processes: the worker or the command killed, the terminal closed, a
// reboot that hands the recorded pids to other processes, a zombie worker, and a
// command that ignores SIGTERM with children that do too.
// Over 250 lines: the scenarios of one area, each with real processes; they share one set-up, so they stay together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { RUNTIME_FILES } from '../../src/runner/runtime-files.js';
import { alive, groupMembers, Harness, ROOT, waitFor } from '../integration/harness.js';
import {
  bystander,
  killAll,
  pidsMatching,
  procState,
  startTime,
  taskProcesses,
  workerPid,
  writeLaunchEnv,
  writeTask,
} from './fault-kit.js';

let h: Harness;
let extra: (ChildProcess | number | undefined)[];
beforeEach(() => {
  h = new Harness();
  extra = [];
});
afterEach(() => {
  killAll(extra);
  h.cleanup();
});

const WORKER = join(ROOT, RUNTIME_FILES.worker);

async function started(id: string): Promise<TaskJson> {
  return waitFor(() => {
    const t = h.task(id);
    return t.pid && t.commandPid ? t : undefined;
  }, `task ${id} to record its worker and command`);
}

describe('worker and command killed', () => {
  it('worker SIGKILLed: the next reader marks it interrupted and stops its command group', async () => {
    const t = h.sh('web', 'sleep 1000 & sleep 1000');
    const running = await started(t.id);
    await waitFor(() => groupMembers(running.commandPid!).length >= 2 || undefined, 'both sleeps');
    const waiter = h.start(['wait', t.id]);
    const killedAt = Date.now();
    process.kill(running.pid!, 'SIGKILL');
    const code = await waiter.exited;
    const seen = Date.now() - killedAt;
    expect(code).toBe(1);
    const after = h.task(t.id);
    expect(after.status).toBe('interrupted');
    expect(after.error).toMatch(/died while running/);
    expect(waiter.stdout).toContain(`${t.id} `);
    // The command group is stopped in the background (TERM, then KILL after the grace).
    await waitFor(() => groupMembers(running.commandPid!).length === 0 || undefined, 'the command group to be stopped', 15_000);
    console.log(`[figure] SIGKILL of the worker -> interrupted seen by \`wait\`: ${seen} ms`);
  });

  it('command SIGKILLed: the task fails with the signal and its worker exits', async () => {
    const t = h.sh('web', 'echo up; exec sleep 1000');
    const running = await started(t.id);
    await waitFor(() => h.log(t.id).includes('up') || undefined, 'output');
    process.kill(running.commandPid!, 'SIGKILL');
    const failed = await h.waitForStatus(t.id, ['failed'], 15_000);
    expect(failed.signal).toBe('SIGKILL');
    await waitFor(() => !alive(running.pid) || undefined, 'the worker to exit');
  });
});

describe('terminal closed', () => {
  it('SIGHUP to the launching shell and to the worker is not a cancel: the task completes', async () => {
    const flag = join(h.home, 'go');
    // A shell that launches a foreground task, as a terminal would; then the terminal "closes".
    const shell = h.start([
      'task',
      'web',
      'hup',
      '--',
      'sh',
      '-c',
      `echo waiting; while [ ! -e ${flag} ]; do sleep 0.05; done; echo finished`,
    ]);
    const id = await waitFor(() => h.allTasks().find((x) => x.pid && x.commandPid)?.id, 'the task to start');
    const task = h.task(id);
    process.kill(-shell.child.pid!, 'SIGHUP');
    process.kill(task.pid!, 'SIGHUP');
    await shell.exited;
    // Still running after the hang-up, then finishes on its own.
    expect(alive(task.pid)).toBe(true);
    expect(h.task(id).status).toBe('running');
    spawn('touch', [flag]);
    const done = await h.waitForStatus(id, ['completed'], 15_000);
    expect(done.exitCode).toBe(0);
    expect(h.log(id)).toContain('finished');
  });
});

describe('reboot and zombies', () => {
  it('reboot: task files whose pids now belong to other processes become interrupted, and those processes are left alone', async () => {
    // After a reboot the recorded pids exist again, but as other programs (other start times).
    const worker = bystander();
    const command = bystander();
    extra.push(worker, command);
    await waitFor(() => startTime(worker.pid!) !== null && startTime(command.pid!) !== null, 'bystanders');
    writeTask(h, {
      id: 'reboot01',
      status: 'running',
      claimedAt: new Date(Date.now() - 3_600_000).toISOString(),
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
      pid: worker.pid!,
      pidStartTime: startTime(worker.pid!)! - 1000,
      commandPid: command.pid!,
      commandStartTime: startTime(command.pid!)! - 1000,
    });
    const r = h.run(['status', '--all', '--json']);
    expect(r.code).toBe(0);
    expect(h.task('reboot01').status).toBe('interrupted');
    // Any background stopper it started has finished; the bystanders are still alive.
    await waitFor(
      () => pidsMatching(RUNTIME_FILES.groupStopper, String(command.pid)).length === 0 || undefined,
      'stoppers to finish',
      15_000,
    );
    expect(alive(worker.pid)).toBe(true);
    expect(alive(command.pid)).toBe(true);
  });

  it('a zombie worker counts as dead: interrupted, and its command group is stopped', async () => {
    // A running task claimed for a worker, and that worker started under a parent that
    // never reaps (sh exec'ing sleep): once killed, the worker stays a zombie.
    writeTask(h, { id: 'zombie01', status: 'running', claimedAt: new Date().toISOString(), command: ['sh', '-c', 'sleep 1000'] });
    writeLaunchEnv(h, 'zombie01');
    const parent = spawn('sh', ['-c', `"${process.execPath}" "${WORKER}" "${h.home}" zombie01 >/dev/null 2>&1 & exec sleep 120`], {
      detached: true,
      stdio: 'ignore',
    });
    extra.push(parent);
    const running = await started('zombie01');
    process.kill(running.pid!, 'SIGKILL');
    await waitFor(() => procState(running.pid!) === 'Z' || undefined, 'the worker to be a zombie');
    expect(h.run(['status']).code).toBe(0);
    const t = h.task('zombie01');
    expect(t.status).toBe('interrupted');
    await waitFor(() => groupMembers(running.commandPid!).length === 0 || undefined, 'the command group to be stopped', 15_000);
  });
});

describe('stubborn command', () => {
  it('ignores SIGTERM and forks children that ignore it too: cancel still leaves nothing after the grace', async () => {
    h.writeConfig({ cancelGraceMs: 700 });
    // SIG_IGN survives fork and exec: every sleep below ignores TERM as well.
    const script = `trap '' TERM; (trap '' TERM; sleep 1000 & sleep 1000) & sh -c 'sleep 1000 & sleep 1000' & echo ready; sleep 1000`;
    const t = h.sh('web', script);
    const running = await started(t.id);
    await waitFor(() => groupMembers(running.commandPid!).length >= 6 || undefined, 'all the stubborn processes');
    const before = Date.now();
    const r = h.run(['cancel', t.id]);
    const took = Date.now() - before;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cancelled ${t.id}`);
    // cancel returns only when the group is gone: checked at once, no polling.
    expect(groupMembers(running.commandPid!)).toEqual([]);
    expect(alive(running.pid)).toBe(false);
    expect(h.task(t.id).status).toBe('cancelled');
    expect(took).toBeGreaterThanOrEqual(700);
    console.log(`[figure] cancel of a TERM-ignoring tree (grace 700 ms): ${took} ms`);
  });
});

/** Waits until no process of task `id` is left (its command, children, a step's prelude). */
async function noProcessesOf(id: string, timeoutMs: number): Promise<void> {
  await waitFor(() => !taskProcesses(h.home).has(id) || undefined, `every process of ${id} to be gone`, timeoutMs);
}

/** Launches with the worker told to stop itself at `point`; returns once it has, and its command runs. */
async function launchStoppedAt(point: string, script: string): Promise<{ id: string; worker: number }> {
  const r = h.run(['task', 'web', `stops at ${point}`, '-b', '--json', '--', 'sh', '-c', script], {
    env: { DEV_TOOLS_TEST_STOP_AT: point },
  });
  expect(r.code).toBe(0);
  const id = (JSON.parse(r.stdout) as TaskJson).id;
  const worker = await waitFor(() => {
    const pid = workerPid(h.home, id);
    return pid && procState(pid) === 'T' ? pid : undefined;
  }, `the worker of ${id} to stop at ${point}`);
  extra.push(worker);
  return { id, worker };
}

// A command group that ignores TERM, so only a real stop (TERM, grace, KILL) ends it.
const STUBBORN = `trap '' TERM; sleep 30 & sleep 30; wait`;

describe('a worker killed at any point leaves no process of its task', () => {
  it('killed after spawning its command, before recording it: the next status stops the group', async () => {
    h.writeConfig({ cancelGraceMs: 300 });
    const { id, worker } = await launchStoppedAt('spawned', STUBBORN);
    await waitFor(() => (taskProcesses(h.home).get(id)?.length ?? 0) >= 2 || undefined, 'the command and its child');
    expect(h.task(id).commandPid ?? null).toBeNull();
    process.kill(worker, 'SIGKILL');
    const r = h.run(['status', '--all']);
    expect(r.code).toBe(0);
    // Found dead at once (its pid is in its ledger), not after the 15 s start-up window.
    expect(h.task(id).status).toBe('interrupted');
    await noProcessesOf(id, 10_000);
  });

  it('a worker that started its command and died before recording it is not reported as "never started"', async () => {
    h.writeConfig({ cancelGraceMs: 300 });
    const { id, worker } = await launchStoppedAt('spawned', 'echo ran; sleep 30');
    await waitFor(() => h.log(id).includes('ran') || undefined, 'the command to run');
    process.kill(worker, 'SIGKILL');
    expect(h.run(['status']).code).toBe(0);
    const t = h.task(id);
    expect(t.status).toBe('interrupted');
    // Was: "worker never started", though its command had run.
    expect(t.error).toBe(`worker ${worker} died while running (before it could record its start)`);
    await noProcessesOf(id, 10_000);
  });

  it('cancel in that state returns after the grace, says the processes are stopped, and they are', async () => {
    h.writeConfig({ cancelGraceMs: 300 });
    const { id, worker } = await launchStoppedAt('spawned', STUBBORN);
    await waitFor(() => (taskProcesses(h.home).get(id)?.length ?? 0) >= 2 || undefined, 'the command and its child');
    process.kill(worker, 'SIGKILL');
    const before = Date.now();
    const r = h.run(['cancel', id]);
    const took = Date.now() - before;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/its worker was gone; marked interrupted; its processes are stopped/);
    // Checked the moment cancel returns: what it said is true.
    expect(taskProcesses(h.home).has(id)).toBe(false);
    expect(took).toBeLessThan(8000);
    console.log(`[figure] cancel of a task whose worker died before recording its command: ${took} ms`);
  });

  it('killed at a stage transition (stage 2 running, the file still naming stage 1): stage 2 is stopped', async () => {
    h.writeConfig({
      cancelGraceMs: 300,
      projects: {
        web: {
          cwd: h.home,
          stages: [
            { name: 'one', run: 'echo one' },
            { name: 'two', run: STUBBORN },
          ],
        },
      },
    });
    const r = h.run(['task', 'web', 'two stages', '-b', '--json'], { env: { DEV_TOOLS_TEST_STOP_AT: 'stage-spawned' } });
    const id = (JSON.parse(r.stdout) as TaskJson).id;
    const worker = await waitFor(() => {
      const pid = workerPid(h.home, id);
      return pid && procState(pid) === 'T' ? pid : undefined;
    }, 'the worker to stop at the stage transition');
    extra.push(worker);
    await waitFor(() => (taskProcesses(h.home).get(id)?.length ?? 0) >= 2 || undefined, "stage two's processes");
    expect(h.task(id).stage?.index).toBe(0);
    const stageOne = h.task(id).commandPid;
    expect(taskProcesses(h.home).get(id)).not.toContain(stageOne);
    process.kill(worker, 'SIGKILL');
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(id).status).toBe('interrupted');
    await noProcessesOf(id, 10_000);
  });

  it('killed during the final write (state in the temp file, not yet renamed): the result is recovered, not lost', async () => {
    const { id, worker } = await launchStoppedAt('final-write', 'echo finished; exit 0');
    const temps = () => readdirSync(join(h.home, 'tasks')).filter((f) => f.startsWith(`${id}.json.`) && f.endsWith('.tmp'));
    expect(temps()).toHaveLength(1);
    expect(h.task(id).status).toBe('running');
    process.kill(worker, 'SIGKILL');
    expect(h.run(['status', '--all']).code).toBe(0);
    const t = h.task(id);
    expect(t.status).toBe('completed');
    expect(t.exitCode).toBe(0);
    expect(temps()).toEqual([]);
    expect(existsSync(join(h.home, 'tasks', `${id}.json`))).toBe(false);
  });

  it('the group stopper killed during the grace: the next reader starts another, and the group is stopped', async () => {
    h.writeConfig({ cancelGraceMs: 3000 });
    const t = h.sh('web', STUBBORN);
    const running = await started(t.id);
    await waitFor(() => (taskProcesses(h.home).get(t.id)?.length ?? 0) >= 3 || undefined, 'the command and its children');
    process.kill(running.pid!, 'SIGKILL');
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(t.id).status).toBe('interrupted');
    const stopper = await waitFor(() => pidsMatching(RUNTIME_FILES.groupStopper, h.home, t.id)[0], 'a group stopper');
    // Killed while it waits out the grace: the TERM-ignoring group is still there.
    await waitFor(() => readdirSync(join(h.home, 'run', t.id)).includes('stop.lock') || undefined, 'the stopper to take its lock');
    process.kill(stopper, 'SIGKILL');
    await waitFor(() => !alive(stopper) || undefined, 'the stopper to die');
    expect(taskProcesses(h.home).has(t.id)).toBe(true);
    // Any reader that runs the scheduler retries.
    expect(h.run(['status']).code).toBe(0);
    await noProcessesOf(t.id, 15_000);
    await waitFor(() => !existsSync(join(h.home, 'run', t.id)) || undefined, 'the ledger to be removed');
  });
});

describe('ledgers left by crashes', () => {
  it('a ledger whose worker and stopper were both killed, its groups already gone, is removed by the next reader', () => {
    writeTask(h, { id: 'leftover', status: 'interrupted', completedAt: new Date().toISOString() }, 'done');
    const dir = join(h.home, 'run', 'leftover');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // pid 2^22 - 1 is never alive here: the worker and the stopper that held the lock are gone.
    writeFileSync(join(dir, 'worker'), JSON.stringify({ pid: 4194303, startTime: 1 }));
    writeFileSync(join(dir, 'stop.lock'), JSON.stringify({ pid: 4194303, startTime: 1, token: 'gone' }));
    writeFileSync(join(dir, 'step-0'), '4194302 1\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'stop.lock'), old, old);
    expect(h.run(['status']).code).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('start times', () => {
  it('a task file with a pid but no start time: cancel never signals that pid', async () => {
    const stranger = bystander();
    extra.push(stranger);
    await waitFor(() => startTime(stranger.pid!) !== null || undefined, 'the bystander');
    writeTask(h, {
      id: 'nostart1',
      status: 'running',
      pid: stranger.pid!,
      claimedAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
    });
    const r = h.run(['cancel', 'nostart1']);
    expect(r.stderr).not.toMatch(/unexpected/);
    expect(alive(stranger.pid)).toBe(true);
    expect(h.task('nostart1').status).not.toBe('running');
  });

  it('a dead worker whose task file names a command group without its start time: status leaves that group alone', async () => {
    const stranger = bystander();
    extra.push(stranger);
    await waitFor(() => startTime(stranger.pid!) !== null || undefined, 'the bystander');
    writeTask(h, {
      id: 'nostart2',
      status: 'running',
      pid: 4194303,
      pidStartTime: 1,
      commandPid: stranger.pid!,
      claimedAt: new Date(0).toISOString(),
    });
    expect(h.run(['status']).code).toBe(0);
    expect(h.task('nostart2').status).toBe('interrupted');
    // Whatever status started (a group stopper would TERM, wait and KILL) has exited.
    await h.settled();
    expect(alive(stranger.pid)).toBe(true);
  });
});

describe('a stopped (SIGSTOP) worker or command', () => {
  it('cancel of a task whose worker is stopped: CONT with the TERM, so it cancels at once', async () => {
    h.writeConfig({ cancelGraceMs: 500 });
    const t = h.sh('web', 'sleep 30 & sleep 30; wait');
    const running = await started(t.id);
    process.kill(running.pid!, 'SIGSTOP');
    await waitFor(() => procState(running.pid!) === 'T' || undefined, 'the worker to be stopped');
    const before = Date.now();
    const r = h.run(['cancel', t.id]);
    const took = Date.now() - before;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cancelled ${t.id}`);
    expect(h.task(t.id).status).toBe('cancelled');
    expect(taskProcesses(h.home).has(t.id)).toBe(false);
    expect(alive(running.pid)).toBe(false);
    expect(took).toBeLessThan(5000);
  });

  it('cancel of a task whose command group is stopped: TERM then CONT, so it ends within the grace', async () => {
    h.writeConfig({ cancelGraceMs: 5000 });
    const t = h.sh('web', 'sleep 30 & sleep 30; wait');
    const running = await started(t.id);
    await waitFor(() => groupMembers(running.commandPid!).length >= 2 || undefined, 'the group');
    // Sent again while waiting: a member the shell forked as the first SIGSTOP went out is stopped too.
    await waitFor(() => {
      process.kill(-running.commandPid!, 'SIGSTOP');
      return groupMembers(running.commandPid!).every((p) => procState(p) === 'T') || undefined;
    }, 'the group to be stopped');
    const before = Date.now();
    const r = h.run(['cancel', t.id]);
    expect(r.code).toBe(0);
    // Woken with the TERM pending: gone long before the 5 s grace.
    expect(Date.now() - before).toBeLessThan(4000);
    expect(groupMembers(running.commandPid!)).toEqual([]);
  });
});
