// The containment section: what a cgroup per task costs against process groups, on the
// same machine in the same run — the launch (`task -b`, timed to its return) and 100
// launches until every task is done — interleaved, each side with its own state dir
// (`containment: "auto"`, which takes a cgroup here, and `"process-group"`).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeHome } from './fixtures.js';
import { openCpuGroup, waitEmpty } from './cgroup.js';
import { pairedRatios, stats, timeInterleaved } from './timing.js';

function homeWith(name, containment) {
  const home = makeHome(name);
  writeFileSync(join(home, 'config.json'), JSON.stringify({ maxParallelTasks: 100, containment }));
  return home;
}

/** How the finished tasks of a state dir were held (`cgroup` ×N …). */
function containmentOf(home) {
  const count = {};
  for (const f of readdirSync(join(home, 'tasks', 'done'))) {
    if (!f.endsWith('.json')) continue;
    const c = JSON.parse(readFileSync(join(home, 'tasks', 'done', f), 'utf8')).containment ?? 'none';
    count[c] = (count[c] ?? 0) + 1;
  }
  return count;
}

export async function benchContainment({ NODE, BIN, dt, cliEnv, drain, row, notes, methods, rounds }) {
  const cg = homeWith('cont-cgroup', 'auto');
  const pg = homeWith('cont-pgroup', 'process-group');
  const launch = (home) => ({
    key: home === cg ? 'cgroup' : 'pgroup',
    argv: dt('task', 'bench', 'launch', '-b', '--', 'true'),
    env: cliEnv(home, { ca: false }),
    after: () => drain(home, 30_000),
  });
  const one = await timeInterleaved([launch(cg), launch(pg)], { rounds });
  const held = containmentOf(cg);
  if (!held.cgroup) notes.push(`containment: no task got a cgroup here (${JSON.stringify(held)}): both sides ran in process groups`);
  row('containment', '`task -b -- true` with a cgroup per task (to its return)', one.cgroup, {
    baseline: one.pgroup,
    baselineLabel: 'the same, containment "process-group"',
    paired: pairedRatios(one.cgroup, one.pgroup),
    goal: '≤ 1.05×',
    limit: 1.05,
    kind: 'ratio',
  });

  // 100 launches until all are done, in pairs (cgroup, process group, then the other way round).
  const q = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
  const loop = `i=0; while [ $i -lt 100 ]; do i=$((i+1)); ${q(NODE)} ${q(BIN)} task bench "launch $i" -b -- true >/dev/null || echo "launch $i failed" >&2; done`;
  // Each run in a CPU accounting group of the bench's (the tasks' own cgroups nest in it): CPU is
  // less at the mercy of other load on the machine than wall time.
  const hundred = async (home, label) => {
    const { group } = openCpuGroup(`containment-${label}`);
    const t0 = performance.now();
    spawnSync('sh', ['-c', `${group ? `${group.joinShell}; ` : ''}${loop}`], { env: cliEnv(home, { ca: false }), stdio: 'ignore' });
    const done = await drain(home, 180_000);
    if (!done) notes.push(`containment: 100 launches in ${home} were not all done after 180 s`);
    const wall = (performance.now() - t0) / 1000;
    let cpuMs = null;
    if (group) {
      await waitEmpty(group, 30_000);
      cpuMs = group.usageMs() / 100;
      group.remove();
    }
    return { wall, cpuMs };
  };
  const walls = { cgroup: [], pgroup: [] };
  const cpu = { cgroup: [], pgroup: [] };
  let n = 0;
  for (const order of [
    ['cgroup', 'pgroup'],
    ['pgroup', 'cgroup'],
  ]) {
    for (const side of order) {
      const r = await hundred(side === 'cgroup' ? cg : pg, `${side}-${n++}`);
      walls[side].push(r.wall);
      if (r.cpuMs !== null) cpu[side].push(r.cpuMs);
    }
  }
  const a = { ...stats(walls.cgroup), perRound: walls.cgroup };
  const b = { ...stats(walls.pgroup), perRound: walls.pgroup };
  row('containment', '100 × `task -b -- true` until all are done, a cgroup per task', a, {
    unit: 's',
    baseline: b,
    baselineLabel: 'the same, containment "process-group"',
    paired: pairedRatios(a, b),
    goal: '≤ 1.05×',
    limit: 1.05,
    kind: 'ratio',
    note: `tasks held: ${JSON.stringify(containmentOf(cg))} / ${JSON.stringify(containmentOf(pg))}`,
  });
  if (cpu.cgroup.length && cpu.pgroup.length) {
    const c = { ...stats(cpu.cgroup), perRound: cpu.cgroup };
    const p = { ...stats(cpu.pgroup), perRound: cpu.pgroup };
    row('containment', 'CPU per task (launcher, worker, command), a cgroup per task', c, {
      baseline: p,
      baselineLabel: 'the same, containment "process-group"',
      paired: pairedRatios(c, p),
      goal: '≤ 1.05×',
      limit: 1.05,
      kind: 'ratio',
    });
  } else notes.push('containment: no CPU accounting group here; CPU per task not measured');
  methods.containment =
    `Two state dirs, one with \`containment: "auto"\` (a cgroup per task where the machine gives one) and one with \`"process-group"\`. ` +
    `\`task -b -- true\` is timed to its return, ${rounds} interleaved rounds (after each run, until that task is done and its worker exited); ` +
    'then a shell loop of 100 launches is timed until every task is done, twice per side, in the order cgroup, process group, process group, cgroup. ' +
    "Each loop runs in a CPU accounting group of the bench's (cpu.stat of a cgroup v2, which counts the tasks' own cgroups nested in it), " +
    'so CPU per task covers launcher, worker and command. NODE_EXTRA_CA_CERTS unset on both sides. Ratios are of adjacent pairs.';
}
