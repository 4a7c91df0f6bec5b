// Approval gates, spend and budgets with real workers: a stage with `approve: true`
// stops the task as `waiting` (no worker, no slot), `approve` runs the rest in its old
// place in the queue, `reject` ends it; `::spend` markers add up; a budget stops a spender.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, Harness, maintenanceDue, waitFor } from './harness.js';
import type { TaskJson } from '../../src/core/task.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

/** A pipeline: a plan, a gate before `coder` (which leaves a file behind, so a run shows), then a review. */
function agentConfig(extra: Record<string, unknown> = {}, project: Record<string, unknown> = {}) {
  const coded = join(h.home, 'coded');
  return {
    maxParallelTasks: 1,
    cancelGraceMs: 500,
    ...extra,
    projects: {
      agents: {
        cwd: h.home,
        stages: [
          { name: 'architect', run: 'echo "the plan: step one"; echo "::spend tokens=1000 cost=0.25"' },
          { name: 'coder', run: `echo coding; touch '${coded}'; echo "::spend tokens=500 cost=0.5"`, approve: true },
          { name: 'reviewer', run: 'echo "::spend tokens=20"; echo reviewed' },
        ],
        ...project,
      },
    },
  };
}

function launchAgents(description = 'Add login page', env: Record<string, string> = {}): TaskJson {
  const r = h.run(['task', 'agents', description, '-b', '--json'], { env });
  if (r.code !== 0) throw new Error(`launch failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TaskJson;
}

describe('approval gates', () => {
  it('a gate waits and holds no slot: with a limit of 1, another task runs while it waits', async () => {
    h.writeConfig(agentConfig());
    const gated = launchAgents();
    const waiting = await h.waitForStatus(gated.id, ['waiting']);
    expect(waiting.waitingFor).toBe('approval');
    expect(waiting.gate).toMatchObject({ index: 1, count: 3, name: 'coder', approvedAt: null });
    expect(waiting.runsOn).toEqual({ kind: 'local' });
    expect(existsSync(join(h.home, 'coded'))).toBe(false);
    const other = h.launch('misc', 'runs meanwhile', ['sh', '-c', 'echo other']);
    await h.waitForStatus(other.id, ['completed']);
    // The plan is in the log; the gate says how to go on.
    expect(h.log(gated.id)).toContain('the plan: step one');
    expect(h.log(gated.id)).toContain(`stage 2/3 (coder) waits for approval: dev-tools approve ${gated.id}`);
    const status = h.run(['status']);
    expect(status.stdout).toMatch(new RegExp(`${gated.id}\\s+agents\\s+◆ waiting\\s+2/3 coder`));
    expect(status.stdout).toContain('waiting 1');
    await h.settled();
    expect(h.task(gated.id).status).toBe('waiting');
  });

  it('approve runs the rest, in its old place in the queue; wait treats waiting as not finished', async () => {
    h.writeConfig(agentConfig());
    const gated = launchAgents();
    const waitAll = h.start(['wait', gated.id]);
    const untilWaiting = h.run(['wait', '--until-waiting', gated.id]);
    expect(untilWaiting.code).toBe(0);
    expect(untilWaiting.stdout).toContain(`${gated.id} ◆ waiting (for approval before stage 2/3 (coder))`);
    // A task that holds the one slot, and one launched after the gated task.
    const go = join(h.home, 'go');
    const blocker = h.sh('misc', `while [ ! -f '${go}' ]; do sleep 0.05; done`);
    await h.waitForStatus(blocker.id, ['running']);
    const later = h.launch('misc', 'launched later', ['sh', '-c', 'echo later']);
    expect(h.task(later.id).status).toBe('queued');

    const approve = h.run(['approve', gated.id.slice(0, 5)]);
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain(`approved ${gated.id} from stage 2/3 (coder): queued for a slot`);
    expect(h.task(gated.id)).toMatchObject({ status: 'queued', waitingFor: null });
    writeFileSync(go, '');
    const done = await h.waitForStatus(gated.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const afterIt = await h.waitForStatus(later.id, ['completed']);
    // It went before the task launched after it.
    expect(Date.parse(afterIt.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done.completedAt!));
    expect(await waitAll.exited).toBe(0);
    expect(waitAll.stdout).toContain(`${gated.id} ✔ completed`);
    // The rest ran once each, from the gate on: the plan is not run again.
    const log = h.log(gated.id);
    expect(log.match(/the plan: step one/g)).toHaveLength(1);
    expect(log).toContain('approved: runs on from stage 2/3 (coder)');
    expect(log.indexOf('stage 2/3: coder')).toBeGreaterThan(log.indexOf('approved'));
    expect(log).toContain('reviewed');
    expect(existsSync(join(h.home, 'coded'))).toBe(true);
    // It keeps when it first started, and its launch environment is gone once it ended.
    expect(done.startedAt).toBe(h.task(gated.id).startedAt);
    await h.settled();
    expect(existsSync(join(h.home, 'env', `${gated.id}.json`))).toBe(false);
    // Approving again, or a task that does not wait, is refused.
    const again = h.run(['approve', gated.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`task ${gated.id} is not waiting for approval (status: completed)`);
  });

  it('reject never runs the rest: cancelled, with the reason in error', async () => {
    h.writeConfig(agentConfig({ onFinish: `echo "$DEV_TOOLS_TASK_STATUS" >> '${join(h.home, 'finished')}'` }));
    const gated = launchAgents();
    await h.waitForStatus(gated.id, ['waiting']);
    expect(h.run(['reject', gated.id, '--reason']).code).toBe(2);
    const r = h.run(['reject', gated.id, '--reason', 'the plan rewrites auth']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`rejected ${gated.id} at stage 2/3 (coder): the plan rewrites auth`);
    const t = h.task(gated.id);
    expect(t).toMatchObject({ status: 'cancelled', error: 'rejected: the plan rewrites auth' });
    await h.settled();
    expect(existsSync(join(h.home, 'coded'))).toBe(false);
    expect(h.log(gated.id)).not.toContain('stage 2/3: coder');
    expect(readFileSync(join(h.home, 'finished'), 'utf8')).toBe('cancelled\n');
    expect(h.run(['approve', gated.id]).code).toBe(1);
    const twice = h.run(['reject', gated.id]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('is not waiting for approval (status: cancelled)');
    // Nor on a task that runs.
    const running = h.sh('misc', 'sleep 30');
    await h.waitForStatus(running.id, ['running']);
    expect(h.run(['reject', running.id]).stderr).toContain('(status: running)');
    expect(h.run(['approve', running.id]).code).toBe(1);
  });

  it('cancel ends a waiting task too, and a gate before the first stage waits from the launch, with no worker at all', async () => {
    h.writeConfig(agentConfig({}, { stages: [{ name: 'coder', run: `touch '${join(h.home, 'coded')}'`, approve: true }] }));
    const gated = launchAgents();
    // Waiting as the launch returns: nothing was started for it.
    expect(gated).toMatchObject({ status: 'waiting', gate: { index: 0, name: 'coder' } });
    expect(h.task(gated.id).startedAt ?? null).toBeNull();
    const r = h.run(['cancel', gated.id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cancelled ${gated.id} (it was waiting at stage 1/1 (coder))`);
    expect(h.task(gated.id).status).toBe('cancelled');
    await h.settled();
    expect(existsSync(join(h.home, 'coded'))).toBe(false);
  });

  it('a cancel that meets the worker at its gate (the file still says running) ends the task cancelled', async () => {
    h.writeConfig(agentConfig());
    // The worker stops itself with `waiting` in its temp file: the task file still says running.
    const gated = launchAgents('cancelled at the gate', { DEV_TOOLS_TEST_STOP_AT: 'waiting-write' });
    await waitFor(() => findStoppedWorker(h.home, gated.id), 'the worker to stop as it writes waiting');
    expect(h.task(gated.id).status).toBe('running');
    // cancel sends TERM and CONT: the worker goes on, lands `waiting`, and the cancel ends it.
    const r = h.run(['cancel', gated.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`cancelled ${gated.id} (it was waiting at stage 2/3 (coder))`);
    expect(h.task(gated.id).status).toBe('cancelled');
    await h.settled();
    expect(existsSync(join(h.home, 'coded'))).toBe(false);
  });

  it('onWaiting runs once, with the variables of onFinish and DEV_TOOLS_WAITING_FOR', async () => {
    const calls = join(h.home, 'waits');
    h.writeConfig(
      agentConfig({
        onWaiting: `echo "$DEV_TOOLS_TASK_ID|$DEV_TOOLS_TASK_STATUS|$DEV_TOOLS_WAITING_FOR|$DEV_TOOLS_STAGE|$DEV_TOOLS_TASK_DESCRIPTION|$FROM_SHELL" >> '${calls}'`,
      }),
    );
    const gated = launchAgents('needs a "look"', { FROM_SHELL: 'launcher' });
    await h.waitForStatus(gated.id, ['waiting']);
    await waitFor(() => existsSync(calls) || undefined, 'the hook to run');
    await h.settled();
    // Later commands (each may sweep for hooks left behind) do not run it again.
    for (let i = 0; i < 3; i++) {
      maintenanceDue(h.home);
      expect(h.run(['status']).code).toBe(0);
    }
    await h.settled();
    expect(readFileSync(calls, 'utf8')).toBe(`${gated.id}|waiting|approval|coder|needs a "look"|launcher\n`);
  });

  it('a crash while waiting loses nothing: the task survives a killed worker and any status, and its hook still runs', async () => {
    const calls = join(h.home, 'waits');
    h.writeConfig(agentConfig({ onWaiting: `echo "$DEV_TOOLS_TASK_ID $SECRET" >> '${calls}'` }));
    const gated = launchAgents('crash at the gate', { DEV_TOOLS_TEST_STOP_AT: 'waiting-hook', SECRET: 's3' });
    await h.waitForStatus(gated.id, ['waiting']);
    const worker = await waitFor(() => findStoppedWorker(h.home, gated.id), 'the worker to stop after writing waiting');
    process.kill(worker, 'SIGKILL');
    await waitFor(() => !alive(worker) || undefined, 'the worker to be gone');
    for (let i = 0; i < 3; i++) {
      maintenanceDue(h.home);
      expect(h.run(['status', '--all']).code).toBe(0);
    }
    expect(h.task(gated.id).status).toBe('waiting');
    // The hook its worker never started is started by a later sweep, in the launch's environment.
    await waitFor(
      () => {
        maintenanceDue(h.home);
        h.run(['status']);
        return existsSync(calls) || undefined;
      },
      'the hook to be swept',
      20_000,
    );
    expect(h.run(['approve', gated.id]).code).toBe(0);
    expect((await h.waitForStatus(gated.id, ['completed', 'failed'])).status).toBe('completed');
    await h.settled();
    expect(readFileSync(calls, 'utf8')).toBe(`${gated.id} s3\n`);
  });
});

/** The worker of a task, stopped (SIGSTOP) at its test point: found by its argv. */
function findStoppedWorker(home: string, id: string): number | undefined {
  const ps = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  for (const line of ps.stdout.split('\n')) {
    const [pid, stat, ...args] = line.trim().split(/\s+/);
    if (stat?.startsWith('T') && args.includes(home) && args.includes(id)) return Number(pid);
  }
  return undefined;
}

describe('spend and budgets', () => {
  it('spend adds up across stages and workers; the markers are hidden, a malformed one shows', async () => {
    h.writeConfig(agentConfig());
    const gated = launchAgents();
    const waiting = await h.waitForStatus(gated.id, ['waiting']);
    expect(waiting.spend).toEqual({ tokens: 1000, costUsd: 0.25 });
    expect(h.run(['approve', gated.id]).code).toBe(0);
    const done = await h.waitForStatus(gated.id, ['completed']);
    expect(done.spend).toEqual({ tokens: 1520, costUsd: 0.75 });
    const json = JSON.parse(h.run(['status', '--all', '--json']).stdout) as TaskJson[];
    expect(json.find((t) => t.id === gated.id)?.spend).toEqual({ tokens: 1520, costUsd: 0.75 });
    expect(h.run(['status', '--all']).stdout).toMatch(/COST[\s\S]*\$0\.75/);
    const logs = h.run(['logs', gated.id]).stdout;
    expect(logs).not.toContain('::spend');
    const typo = h.launch('misc', 'typo', ['sh', '-c', 'echo "::spend cost=abc"; echo "::spend tokens=3 tokens=4"']);
    const t = await h.waitForStatus(typo.id, ['completed']);
    expect(t.spend ?? null).toBeNull();
    expect(h.run(['logs', typo.id]).stdout).toBe('::spend cost=abc\n::spend tokens=3 tokens=4\n');
  });

  it('a budget stops a spender within a second of crossing it: failed, budget exceeded', async () => {
    h.writeConfig({ cancelGraceMs: 2000 });
    const crossed = join(h.home, 'crossed');
    const script = `echo "::spend cost=0.03"; sleep 0.3; date +%s%3N > '${crossed}'; echo "::spend cost=0.03"; sleep 60`;
    const t = h.launch('misc', 'spender', ['sh', '-c', script], ['--budget', '0.05']);
    expect(t.budget).toEqual({ costUsd: 0.05 });
    const failed = await h.waitForStatus(t.id, ['failed', 'completed', 'cancelled']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('budget exceeded: $0.06 of $0.05');
    expect(failed.spend).toEqual({ tokens: 0, costUsd: 0.06 });
    const at = Number(readFileSync(crossed, 'utf8').trim());
    const took = Date.parse(failed.completedAt!) - at;
    expect(took).toBeLessThan(1000);
    console.log(`[figure] budget crossed to task failed (command ignoring nothing): ${took} ms`);
    expect(h.log(t.id)).toContain('budget exceeded: $0.06 of $0.05');
    await h.settled();
  });

  it('history records spend: the next run of the same job shows the expected cost, ~$0.40, until it spends', async () => {
    const go = join(h.home, 'go');
    const script = `while [ ! -f '${go}' ]; do sleep 0.05; done; echo "::spend cost=0.4"`;
    writeFileSync(go, '');
    const first = h.launch('misc', 'first run', ['sh', '-c', script]);
    expect((await h.waitForStatus(first.id, ['completed'])).spend).toEqual({ tokens: 0, costUsd: 0.4 });
    rmSync(go);
    const second = h.launch('misc', 'second run', ['sh', '-c', script]);
    expect(second.expectedCostUsd).toBe(0.4);
    await h.waitForStatus(second.id, ['running']);
    expect(h.run(['status']).stdout).toMatch(new RegExp(`${second.id}.*~\\$0\\.40`));
    writeFileSync(go, '');
    await h.waitForStatus(second.id, ['completed']);
    expect(h.run(['status', '--all']).stdout).toMatch(new RegExp(`${second.id}.* \\$0\\.40`));
  });

  it("a project's budget in tokens stops its tasks; --budget is checked", async () => {
    h.writeConfig({
      cancelGraceMs: 500,
      projects: { agents: { cwd: h.home, budget: { tokens: 100 }, stages: [{ name: 'a', run: 'echo "::spend tokens=150"; sleep 60' }] } },
    });
    const t = launchAgents();
    const failed = await h.waitForStatus(t.id, ['failed', 'completed']);
    expect(failed).toMatchObject({ status: 'failed', error: 'budget exceeded: 150 tokens of 100' });
    const bad = h.run(['task', 'misc', 'x', '-b', '--budget', 'lots', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--budget takes an amount in US dollars');
    await h.settled();
  });
});
