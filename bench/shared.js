// Beyond one machine: the dashboard on a FUSE view of the state dir (bindfs, as a login
// node sees an NFS home: no inotify event for what the nodes write, so it polls), idle
// and busy, beside the same dashboard on the real folder watching by events; and the
// squeue calls a minute of 3 open dashboards and 2 `wait`s make with Slurm tasks active.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchId, makeHome, makeTask, makeTempDir, writeTask } from './fixtures.js';
import { TmuxTerminal } from './terminal.js';
import { hasTool, stats } from './timing.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** bindfs REAL VIEW; returns the view and how to unmount it (lazily, a dashboard may still look). */
function mountView(real) {
  const view = makeTempDir('view');
  const r = spawnSync('bindfs', ['--no-allow-other', real, view], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`bindfs: ${(r.stderr || r.error?.message || '').trim()}`);
  const pid = bindfsPid(view);
  return {
    view,
    pid,
    unmount: () => {
      for (const tool of ['fusermount', 'fusermount3']) spawnSync(tool, ['-u', '-z', view], { stdio: 'ignore', timeout: 20_000 });
    },
  };
}

/** The bindfs process serving `view` (its CPU is what the filesystem adds). */
function bindfsPid(view) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0');
      if (argv[0]?.endsWith('bindfs') && argv.includes(view)) return Number(name);
    } catch {
      // gone
    }
  }
  return null;
}

/**
 * @param ctx { NODE, BIN, row, notes, methods, stopHooks, procCpu, cliEnv, launchDetached, readTask, drain }
 */
export async function benchFuse(ctx) {
  const { NODE, BIN, row, notes, methods, stopHooks, procCpu, cliEnv, launchDetached, readTask } = ctx;
  if (!hasTool('bindfs') || !existsSync('/dev/fuse')) {
    notes.push('fuse: skipped, bindfs or /dev/fuse is missing (apt-get install bindfs)');
    return;
  }
  if (!hasTool('tmux')) {
    notes.push('fuse: skipped, tmux is not installed');
    return;
  }
  const term = await TmuxTerminal.start({ dir: makeTempDir('tmux-fuse'), env: cliEnv('') });
  stopHooks.push(() => term.close());
  const views = [];
  stopHooks.push(() => views.forEach((v) => v.unmount()));
  const pane = (home) => ({ DEV_TOOLS_HOME: home, NO_COLOR: '1' });

  /** The dashboard open on `home` for `settleMs`, then its CPU (and bindfs's) over 10 s. */
  const measure = async (home, token, fsPid, settleMs) => {
    const { t0, pid } = await term.launch(`${NODE} ${BIN} ui`, pane(home));
    if ((await term.waitFor(t0, (s) => s.includes('dev-tools'), 30_000)) === null) throw new Error('the dashboard never drew');
    term.keysAt('a');
    if ((await term.waitFor(t0, (s) => s.includes(token), 10_000)) === null) notes.push(`fuse: ${token} never showed on ${home}`);
    await sleep(settleMs);
    const c0 = procCpu(pid);
    const f0 = fsPid ? procCpu(fsPid) : null;
    const w0 = performance.now();
    await sleep(10_000);
    const c1 = procCpu(pid);
    const f1 = fsPid ? procCpu(fsPid) : null;
    const wall = performance.now() - w0;
    await term.stopPane(pid);
    return {
      pct: ((c1.schedMs - c0.schedMs) / wall) * 100,
      statPct: ((c1.statMs - c0.statMs) / wall) * 100,
      fsPct: f0 && f1 ? ((f1.schedMs - f0.schedMs) / wall) * 100 : null,
    };
  };
  const pct = (x) => ({ ...stats([x]) });

  // Idle: 10 finished tasks shown, nothing running.
  const idle = makeHome('fuse-idle');
  for (let i = 0; i < 10; i++) writeTask(idle, makeTask(benchId('f', i), 'completed', i), true);
  const iv = mountView(idle);
  views.push(iv);
  const onView = await measure(iv.view, benchId('f', 0), iv.pid, 12_000);
  const onReal = await measure(idle, benchId('f', 0), null, 12_000);
  row('fuse', 'idle dashboard CPU on a FUSE view (10 finished tasks shown, polling), 10 s', pct(onView.pct), {
    unit: '% of a core',
    baseline: pct(onReal.pct),
    baselineLabel: 'same on the real folder, by inotify',
    goal: '≤ 2 %',
    limit: 2,
    kind: 'max',
    goalId: 'fuse-idle',
    note: `/proc stat ${onView.statPct.toFixed(1)} %; bindfs itself ${onView.fsPct?.toFixed(2) ?? '?'} %`,
  });

  // Busy: 10 tasks under the real folder, each a progress marker and a log line 5 times a second.
  const busy = makeHome('fuse-busy');
  writeFileSync(join(busy, 'config.json'), JSON.stringify({ cancelGraceMs: 500 }));
  const env = cliEnv(busy);
  stopHooks.push(() => spawnSync(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore', timeout: 30_000 }));
  const script = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo "step $i"; echo "::progress $((i % 100)) step $i"; sleep 0.2; done';
  const ids = [];
  try {
    for (let i = 0; i < 10; i++) ids.push(launchDetached(busy, `progress ${i}`, ['sh', '-c', script], { json: true, env }).id);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !ids.every((id) => readTask(busy, id)?.progress)) await sleep(100);
    const bv = mountView(busy);
    views.push(bv);
    const busyView = await measure(bv.view, ids[0], bv.pid, 1500);
    const busyReal = await measure(busy, ids[0], null, 1500);
    row('fuse', 'dashboard CPU on a FUSE view, 10 tasks × 5 updates/s written under the real folder, 10 s', pct(busyView.pct), {
      unit: '% of a core',
      baseline: pct(busyReal.pct),
      baselineLabel: 'same on the real folder, by inotify',
      goal: 'report',
      note: `/proc stat ${busyView.statPct.toFixed(1)} %; bindfs itself ${busyView.fsPct?.toFixed(1) ?? '?'} %`,
    });
  } finally {
    spawnSync(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore', timeout: 30_000 });
    await ctx.drain(busy, 30_000);
  }
  methods.fuse =
    'The state dir is mounted a second time with `bindfs --no-allow-other REAL VIEW` (FUSE): what is written under REAL raises no inotify event ' +
    'on VIEW, as on an NFS home seen from a login node, so the dashboard polls there (its own choice: statfs says FUSE). The dashboard runs in ' +
    'a tmux pane (160x50) with DEV_TOOLS_HOME=VIEW, and then, as the baseline, on REAL (inotify). CPU = the sum of the `dev-tools ui` ' +
    "process's threads' schedstat over 10 s (utime+stime from /proc beside it), and the bindfs process's the same way (what the filesystem " +
    'costs on top). Idle: 10 finished tasks shown (key a), 12 s to settle first. Busy: 10 real detached tasks under REAL, each printing a ' +
    '`::progress` marker and a log line 5 times a second; the window starts 1.5 s after the first frame.';
}

/**
 * @param ctx { NODE, BIN, row, notes, methods, stopHooks, cliEnv, slurmCluster }
 */
export async function benchSqueue(ctx) {
  const { NODE, BIN, row, notes, methods, stopHooks, cliEnv, slurmCluster } = ctx;
  const cluster = slurmCluster();
  if (!cluster.conf) {
    notes.push(`squeue: skipped, ${cluster.reason}`);
    return;
  }
  if (!hasTool('tmux')) {
    notes.push('squeue: skipped, tmux is not installed');
    return;
  }
  const home = makeHome('squeue');
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({ executors: { hpc: { type: 'slurm', sbatchArgs: [] }, held: { type: 'slurm', sbatchArgs: ['--hold'] } } }),
  );
  const shim = makeTempDir('squeue-shim');
  const calls = join(shim, 'calls.log');
  for (const tool of ['squeue', 'scontrol', 'sbatch', 'scancel']) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(shim, tool), `#!/bin/sh\necho "${tool}" >> '${calls}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  }
  const env = { ...cliEnv(home), SLURM_CONF: cluster.conf, PATH: `${shim}:${process.env.PATH}` };
  stopHooks.push(() => spawnSync(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore', timeout: 60_000 }));
  const launch = (desc, executor, cmd) => {
    const r = spawnSync(NODE, [BIN, 'task', 'bench', desc, '-b', '--json', '--executor', executor, '--', ...cmd], {
      env,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`launch: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout);
  };
  // Two running jobs (what the waits wait for) and three held ones, pending.
  const running = [launch('runs a', 'hpc', ['sleep', '300']), launch('runs b', 'hpc', ['sleep', '300'])];
  for (let i = 0; i < 3; i++) launch(`pending ${i}`, 'held', ['true']);
  const terms = [];
  const waits = [];
  try {
    for (let i = 0; i < 3; i++) {
      const term = await TmuxTerminal.start({ dir: makeTempDir(`tmux-squeue${i}`), env });
      terms.push(term);
      stopHooks.push(() => term.close());
      await term.launch(`${NODE} ${BIN} ui`, {});
    }
    for (const t of running) {
      const w = spawn(NODE, [BIN, 'wait', t.id], { env, stdio: 'ignore', detached: true });
      waits.push(w);
      stopHooks.push(() => {
        try {
          process.kill(-w.pid, 'SIGKILL');
        } catch {
          // gone
        }
      });
    }
    // Settled: every process has started and asked once.
    await sleep(5000);
    const count = () =>
      existsSync(calls)
        ? readFileSync(calls, 'utf8')
            .split('\n')
            .filter((l) => l === 'squeue').length
        : 0;
    const c0 = count();
    const t0 = performance.now();
    await sleep(60_000);
    const perMinute = ((count() - c0) * 60_000) / (performance.now() - t0);
    row('squeue', 'squeue calls a minute, 3 dashboards and 2 `wait`s open (2 jobs running, 3 pending)', stats([perMinute]), {
      unit: 'calls',
      goal: 'report',
      note: 'the same run against an older build: `node bench/run.js --only squeue --bin <its bin/dev-tools.js>`',
    });
  } finally {
    for (const w of waits) {
      try {
        process.kill(-w.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const t of terms) t.close();
    spawnSync(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore', timeout: 60_000 });
  }
  methods.squeue =
    'Real jobs on the cluster of test/slurm/cluster.sh: 2 running (`sleep 300`) and 3 held (PENDING), launched as tasks. Three dashboards ' +
    '(each in its own tmux server) and two `dev-tools wait` (one on each running task) are opened, left 5 s to start, then the squeue calls ' +
    'they make in 60 s are counted by a PATH shim in front of squeue, scontrol, sbatch and scancel that logs each call and execs the real ' +
    'command. Afterwards everything is cancelled.';
}
