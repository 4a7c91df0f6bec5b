// onFinish: run once per task when it reaches a final state, by whoever records that
// state (its worker, or the reaper of a killed worker), detached and without effect on
// the task. Real workers, a real hook writing where it was told what happened.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, Harness, maintenanceDue, waitFor } from './harness.js';
import type { TaskJson } from '../../src/core/task.js';

let h: Harness;
let out: string;
beforeEach(() => {
  h = new Harness();
  out = join(h.home, 'hook-calls.txt');
});
afterEach(() => {
  h.cleanup();
});

/** The hook records one line per call: id|status|exit code|project|description. */
const RECORD =
  'printf "%s|%s|%s|%s|%s\\n" "$DEV_TOOLS_TASK_ID" "$DEV_TOOLS_TASK_STATUS" "$DEV_TOOLS_EXIT_CODE" "$DEV_TOOLS_PROJECT" "$DEV_TOOLS_TASK_DESCRIPTION"';

function calls(): string[][] {
  if (!existsSync(out)) return [];
  return readFileSync(out, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('|'));
}

function callsOf(id: string): string[][] {
  return calls().filter((c) => c[0] === id);
}

async function runningTask(id: string): Promise<TaskJson> {
  return waitFor(() => {
    const t = h.task(id);
    return t.pid && t.commandPid ? t : undefined;
  }, `task ${id} to run`);
}

describe('onFinish', () => {
  it('runs exactly once for a completed, a failed, a cancelled and an interrupted task, with the right variables', async () => {
    h.writeConfig({ cancelGraceMs: 1000, onFinish: `${RECORD} >> '${out}'; echo "hook output for $DEV_TOOLS_TASK_ID"` });
    const completed = h.launch('web', 'builds the site', ['sh', '-c', 'exit 0']);
    const failed = h.launch('api', 'it fails; "quoted" $HOME', ['sh', '-c', 'exit 3']);
    const cancelled = h.launch('web', 'to cancel', ['sleep', '60']);
    const interrupted = h.launch('web', 'to kill', ['sleep', '60']);

    await h.waitForStatus(completed.id, ['completed']);
    await h.waitForStatus(failed.id, ['failed']);
    await runningTask(cancelled.id);
    expect(h.run(['cancel', cancelled.id]).code).toBe(0);
    const victim = await runningTask(interrupted.id);
    process.kill(victim.pid!, 'SIGKILL');
    await waitFor(() => (alive(victim.pid) ? undefined : true), 'the worker to be gone');
    // Whoever looks next finds it dead and records it, and runs its hook.
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(interrupted.id).status).toBe('interrupted');

    await waitFor(() => calls().length >= 4 || undefined, 'four hook calls', 15_000);
    // Every mark claimed and cleared, every hook done: a later scheduler run (each sweeps for hooks left behind) finds none to run.
    await waitFor(() => readdirSync(join(h.home, 'finish')).length === 0 || undefined, 'every hook mark cleared', 15_000);
    await h.settled();
    expect(h.run(['status', '--all']).code).toBe(0);
    await h.settled();
    expect(callsOf(completed.id)).toEqual([[completed.id, 'completed', '0', 'web', 'builds the site']]);
    expect(callsOf(failed.id)).toEqual([[failed.id, 'failed', '3', 'api', 'it fails; "quoted" $HOME']]);
    expect(callsOf(cancelled.id)).toEqual([[cancelled.id, 'cancelled', '', 'web', 'to cancel']]);
    expect(callsOf(interrupted.id)).toEqual([[interrupted.id, 'interrupted', '', 'web', 'to kill']]);
    expect(calls()).toHaveLength(4);
    // Its output goes to its own log, not the task's.
    expect(readFileSync(join(h.home, 'logs', `${completed.id}.onfinish.log`), 'utf8')).toBe(`hook output for ${completed.id}\n`);
    expect(h.log(completed.id)).not.toContain('hook output');
  });

  it('runs in the environment the task ran in, whoever finishes it: a status from another shell, a cancel from a third', async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 500, onFinish: `echo "$DEV_TOOLS_TASK_ID $SHELL_NAME $SECRET_TOKEN" >> '${out}'` });
    const from = (shell: string) => ({ SHELL_NAME: shell, SECRET_TOKEN: `token-of-${shell}` });
    const launch = (shell: string, command: string[]) => {
      const r = h.run(['task', 'web', `from ${shell}`, '-b', '--json', '--', ...command], { env: from(shell) });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as TaskJson;
    };
    const killed = launch('A', ['sleep', '60']);
    const queued = launch('Q', ['true']);
    expect(queued.status).toBe('queued');
    const victim = await runningTask(killed.id);
    // The queued one is cancelled from shell C, the killed one reaped by a status in shell B.
    expect(h.run(['cancel', queued.id], { env: from('C') }).code).toBe(0);
    process.kill(victim.pid!, 'SIGKILL');
    await waitFor(() => (alive(victim.pid) ? undefined : true), 'the worker to be gone');
    expect(h.run(['status'], { env: from('B') }).code).toBe(0);
    await waitFor(() => calls().length >= 2 || undefined, 'both hooks', 15_000);
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean).sort();
    // Was: B's and C's environments (whoever happened to finish the task).
    expect(lines).toEqual([`${killed.id} A token-of-A`, `${queued.id} Q token-of-Q`].sort());
    // The environment kept for the hook is gone once the hook has started.
    for (const dir of ['env', 'finish']) expect(readdirSync(join(h.home, dir)), dir).toEqual([]);
  });

  it('a task cancelled while queued gets its hook too', async () => {
    h.writeConfig({ maxParallelTasks: 1, onFinish: `${RECORD} >> '${out}'` });
    const first = h.sh('web', 'sleep 60');
    const queued = h.sh('web', 'true');
    expect(h.task(queued.id).status).toBe('queued');
    expect(h.run(['cancel', queued.id]).code).toBe(0);
    await waitFor(() => callsOf(queued.id).length || undefined, 'the hook of the queued task');
    expect(callsOf(queued.id)).toEqual([[queued.id, 'cancelled', '', 'web', 'run web']]);
    expect(callsOf(first.id)).toEqual([]);
  });

  it('a hook that hangs or fails changes nothing about the task, and does not hold it up', async () => {
    h.writeConfig({ onFinish: 'sleep 30', projects: { bad: { onFinish: 'echo broken >&2; exit 7' } } });
    const started = Date.now();
    const fg = h.run(['task', 'web', 'foreground', '--', 'sh', '-c', 'echo done; exit 0'], { timeoutMs: 20_000 });
    expect(fg.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const hanging = h.allTasks().find((t) => t.description === 'foreground')!;
    expect(hanging.status).toBe('completed');
    expect(hanging.exitCode).toBe(0);
    expect(hanging.error ?? null).toBeNull();

    const failing = h.launch('bad', 'hook fails', ['sh', '-c', 'exit 0']);
    const done = await h.waitForStatus(failing.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.exitCode).toBe(0);
    await waitFor(
      () => readFileSync(join(h.home, 'logs', `${failing.id}.onfinish.log`), 'utf8').includes('broken') || undefined,
      'the failing hook to write',
    );
    expect(h.run(['wait', failing.id]).code).toBe(0);
    expect(h.task(failing.id)).toEqual(done);
  });

  it('a project\'s onFinish replaces the top-level one; "" turns it off', async () => {
    h.writeConfig({
      onFinish: `echo top >> '${out}'`,
      projects: { own: { onFinish: `echo own >> '${out}'` }, quiet: { onFinish: '' } },
    });
    const tasks = [h.launch('own', 'a', ['true']), h.launch('quiet', 'b', ['true']), h.launch('other', 'c', ['true'])];
    for (const t of tasks) await h.waitForStatus(t.id, ['completed']);
    await waitFor(() => calls().length >= 2 || undefined, 'two hook calls');
    expect(h.run(['status']).code).toBe(0);
    await h.settled();
    expect(calls().flat().sort()).toEqual(['own', 'top']);
    expect(existsSync(join(h.home, 'logs', `${tasks[1]!.id}.onfinish.log`))).toBe(false);
  });

  it('a worker killed between its final write and its hook: the reaper recovers the state and runs the hook once', async () => {
    h.writeConfig({ onFinish: `${RECORD} >> '${out}'` });
    // Stopped (SIGSTOP) with its final state in a temp file, then killed there.
    const stopped = h.run(['task', 'web', 'stops', '-b', '--json', '--', 'sh', '-c', 'exit 4'], {
      env: { DEV_TOOLS_TEST_STOP_AT: 'final-write' },
    });
    const task = JSON.parse(stopped.stdout) as TaskJson;
    const run = await runningTask(task.id);
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${run.pid}/stat`, 'utf8').split(') ')[1]!.startsWith('T') || undefined;
      } catch {
        return undefined;
      }
    }, 'the worker to stop at its final write');
    process.kill(run.pid!, 'SIGKILL');
    await waitFor(() => (alive(run.pid) ? undefined : true), 'the worker to be gone');
    expect(h.run(['status']).code).toBe(0);
    const final = h.task(task.id);
    expect(final.status).toBe('failed');
    await waitFor(() => callsOf(task.id).length || undefined, 'the hook');
    expect(callsOf(task.id)).toEqual([[task.id, 'failed', '4', 'web', 'stops']]);
  });

  it('a bad onFinish is named in the config error, exit 2', () => {
    h.writeConfig({ onFinish: 5 });
    const top = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(top.code).toBe(2);
    expect(top.stderr).toBe('dev-tools: config.json: onFinish must be a shell line (a string)\n');
    h.writeConfig({ projects: { web: { onFinish: ['x'] } } });
    const own = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('config.json: projects.web.onFinish must be a shell line');
  });

  it('a finisher that died between its final write and the hook: the next maintenance run runs it, once', async () => {
    h.writeConfig({ onFinish: `${RECORD} >> '${out}'` });
    // What such a crash leaves: the final state in done/, the launch's mark still in finish/.
    const t = h.launch('web', 'crashed finisher', ['true']);
    await h.waitForStatus(t.id, ['completed']);
    await waitFor(() => callsOf(t.id).length || undefined, 'its own hook');
    const id = 'crash001';
    const ended = new Date(Date.now() - 10_000).toISOString();
    const task: TaskJson = { ...h.task(t.id), id, description: 'left behind', completedAt: ended, logFile: `logs/${id}.log` };
    writeFileSync(join(h.home, 'tasks', 'done', `${id}.json`), JSON.stringify(task));
    writeFileSync(join(h.home, 'finish', `${id}.json`), '{}');
    // The first command after a while sweeps (the launch just now did, and stamped it).
    maintenanceDue(h.home);
    expect(h.run(['status']).code).toBe(0);
    await waitFor(() => callsOf(id).length || undefined, 'the swept hook');
    expect(h.run(['status']).code).toBe(0);
    await h.settled();
    expect(callsOf(id)).toEqual([[id, 'completed', '0', 'web', 'left behind']]);
    expect(existsSync(join(h.home, 'finish', `${id}.json`))).toBe(false);
    expect(callsOf(t.id)).toHaveLength(1);
  });

  it('sweepers racing on one hook left behind run it once; one already claimed is not run again', async () => {
    h.writeConfig({ onFinish: `${RECORD} >> '${out}'` });
    const t = h.launch('web', 'a task', ['true']);
    await h.waitForStatus(t.id, ['completed']);
    await waitFor(() => callsOf(t.id).length || undefined, 'its own hook');
    const ended = new Date(Date.now() - 10_000).toISOString();
    const leave = (id: string, description: string) => {
      const task: TaskJson = { ...h.task(t.id), id, description, completedAt: ended, logFile: `logs/${id}.log` };
      writeFileSync(join(h.home, 'tasks', 'done', `${id}.json`), JSON.stringify(task));
      writeFileSync(join(h.home, 'finish', `${id}.json`), '{}');
    };
    leave('race0001', 'raced for');
    // Claimed by a hook shell that was stopped before it cleared the mark.
    leave('clmd0001', 'claimed');
    writeFileSync(join(h.home, 'logs', 'clmd0001.onfinish.log'), '');
    maintenanceDue(h.home);
    const runs = Array.from({ length: 4 }, () => h.start(['status', '--all']));
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual([0, 0, 0, 0]);
    await waitFor(() => callsOf('race0001').length || undefined, 'the raced hook');
    await waitFor(() => !existsSync(join(h.home, 'finish', 'clmd0001.json')) || undefined, 'the claimed mark cleared');
    expect(h.run(['status']).code).toBe(0);
    await h.settled();
    expect(callsOf('race0001')).toEqual([['race0001', 'completed', '0', 'web', 'raced for']]);
    expect(callsOf('clmd0001')).toEqual([]);
    expect(existsSync(join(h.home, 'finish', 'race0001.json'))).toBe(false);
  });
});
