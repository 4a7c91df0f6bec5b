// Faults of processes: the worker or the command killed, the terminal closed, a
// reboot that hands the recorded pids to other processes, a zombie worker, and a
// command that ignores SIGTERM with children that do too.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { alive, groupMembers, Harness, ROOT, waitFor } from '../integration/harness.js';
import { bystander, killAll, pidsMatching, procState, startTime, writeTask } from './fault-kit.js';

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

const WORKER = join(ROOT, 'dist', 'src', 'runner', 'worker.js');

async function started(id: string): Promise<Task> {
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
    const shell = h.start(['task', 'web', 'hup', '--', 'sh', '-c', `echo waiting; while [ ! -e ${flag} ]; do sleep 0.05; done; echo finished`]);
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
    await waitFor(() => pidsMatching('group-stopper.js', String(command.pid)).length === 0 || undefined, 'stoppers to finish', 15_000);
    expect(alive(worker.pid)).toBe(true);
    expect(alive(command.pid)).toBe(true);
  });

  it('a zombie worker counts as dead: interrupted, and its command group is stopped', async () => {
    // A running task claimed for a worker, and that worker started under a parent that
    // never reaps (sh exec'ing sleep): once killed, the worker stays a zombie.
    writeTask(h, { id: 'zombie01', status: 'running', claimedAt: new Date().toISOString(), command: ['sh', '-c', 'sleep 1000'] });
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
