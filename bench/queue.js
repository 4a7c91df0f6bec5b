// The queue section: `status` and a launch with 1,000 queued tasks (dependencies and
// priorities among them) against the same with 10 queued: the scheduler plans the
// whole queue on every run, and `status` works out why each queued task waits.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchId, makeHome, makeTask, populate, startHolder, writeTask } from './fixtures.js';
import { pairedRatios, timeInterleaved } from './timing.js';

const RUNNING = 4;

/**
 * A state dir with `queued` queued tasks behind RUNNING running ones at a limit of
 * RUNNING (nothing can start): a third wait for an earlier queued task, a sixth for a
 * finished one, priorities from -3 to 3; 200 finished tasks in done/.
 */
function queueHome(label, queued, holder, controls = true) {
  const home = makeHome(label);
  populate(home, RUNNING + 200, { running: RUNNING, holder, prefix: 'f' });
  writeFileSync(join(home, 'config.json'), JSON.stringify({ maxParallelTasks: RUNNING, projects: { proj1: { maxParallel: 1 } } }));
  const ids = [];
  for (let i = 0; i < queued; i++) {
    const id = benchId('q', i);
    const extra = controls ? { priority: (i % 7) - 3 } : {};
    if (controls && i % 3 === 1 && ids.length) extra.after = [ids[Math.floor(i / 2)]];
    else if (controls && i % 6 === 2) extra.after = [benchId('f', RUNNING + (i % 200))];
    writeTask(home, makeTask(id, 'queued', RUNNING + 200 + i, extra));
    ids.push(id);
  }
  return { home, ids: new Set(ids) };
}

/** Removes what a timed launch added (its queued task and its environment), so every round sees the same queue. */
function forgetLaunched(home, keep) {
  for (const f of readdirSync(join(home, 'tasks'))) {
    const id = f.replace(/\.json$/, '');
    if (!f.endsWith('.json') || keep.has(id) || id.startsWith('f')) continue;
    rmSync(join(home, 'tasks', f), { force: true });
    rmSync(join(home, 'env', `${id}.json`), { force: true });
    rmSync(join(home, 'finish', `${id}.json`), { force: true });
    rmSync(join(home, 'logs', `${id}.log`), { force: true });
  }
}

export async function benchQueue({ dt, cliEnv, row, methods, stopHooks, rounds, root }) {
  const holder = startHolder();
  stopHooks.push(() => holder.stop());
  const small = queueHome('queue10', 10, holder);
  const large = queueHome('queue1k', 1000, holder);
  // The same number of plain queued tasks: what the controls add, apart from reading 1,000 task files.
  const plain = queueHome('queue1kplain', 1000, holder, false);
  const launch = () => dt('task', 'bench', 'queued launch', '-b', '--after', benchId('q', 0), '--priority', '2', '--', 'true');
  const t = await timeInterleaved(
    [
      { key: 'status10', argv: dt('status', '--json'), env: cliEnv(small.home) },
      { key: 'status1k', argv: dt('status', '--json'), env: cliEnv(large.home) },
      { key: 'status1kplain', argv: dt('status', '--json'), env: cliEnv(plain.home) },
      { key: 'table1k', argv: dt('status'), env: cliEnv(large.home) },
      { key: 'table10', argv: dt('status'), env: cliEnv(small.home) },
      { key: 'launch10', argv: launch(), env: cliEnv(small.home), after: () => forgetLaunched(small.home, small.ids) },
      { key: 'launch1k', argv: launch(), env: cliEnv(large.home), after: () => forgetLaunched(large.home, large.ids) },
    ],
    { rounds, cwd: root },
  );
  const pair = (figure, a, b, goalId) =>
    row('queue', figure, t[a], {
      baseline: t[b],
      baselineLabel: 'the same with 10 queued',
      paired: pairedRatios(t[a], t[b]),
      goal: '≤ 1.5×',
      limit: 1.5,
      kind: 'ratio',
      goalId,
    });
  pair('`status --json`, 1,000 queued tasks (dependencies, priorities)', 'status1k', 'status10', 'queue-status');
  pair('`status` (the table, with the reasons), 1,000 queued tasks', 'table1k', 'table10', 'queue-table');
  pair('`task -b --after … --priority 2`, 1,000 queued tasks', 'launch1k', 'launch10', 'queue-launch');
  row('queue', '`status --json`, 1,000 queued tasks with dependencies and priorities, against 1,000 without', t.status1k, {
    baseline: t.status1kplain,
    baselineLabel: '1,000 plain queued tasks',
    paired: pairedRatios(t.status1k, t.status1kplain),
    goal: 'report',
  });
  row('queue', '`status --json`, 1,000 plain queued tasks, against 10 with dependencies', t.status1kplain, {
    baseline: t.status10,
    baselineLabel: 'the same with 10 queued',
    paired: pairedRatios(t.status1kplain, t.status10),
    goal: 'report',
  });
  methods.queue =
    `Interleaved rounds (${rounds}): two state dirs made by the bench, each with ${RUNNING} running tasks (pointing at a live ` +
    `process) at maxParallelTasks ${RUNNING}, so nothing can start, 200 finished ones, and 1,000 or 10 queued ones: a third ` +
    'wait for an earlier queued task, a sixth for a finished one, priorities -3 to 3, one project with maxParallel 1. ' +
    'The launch is queued behind them (it depends on a queued task) and removed untimed after each run, so every round sees the same queue.';
}
