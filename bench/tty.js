// The tty section: what `--tty` costs, and that it costs the others nothing. `task -b`
// without `--tty` side by side with the same launch by a base build (`--base-bin`, e.g.
// main's), `task -b --tty` beside `task -b`, the time until a task is done with and
// without a terminal, and the worker's RSS while its command runs, with and without one.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { makeHome } from './fixtures.js';
import { pairedRatios, stats, timeInterleaved } from './timing.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function benchTty({ NODE, BIN, baseBin, cliEnv, drain, readTask, procStatus, row, notes, methods, rounds }) {
  const home = makeHome('tty');
  const env = cliEnv(home, { ca: false });
  const launch = (bin, tty) => ({
    argv: [NODE, bin, 'task', 'bench', 'launch', '-b', ...(tty ? ['--tty'] : []), '--', 'true'],
    env,
    after: () => drain(home),
  });
  const commands = [
    { key: 'node0', argv: [NODE, '-e', '0'], env },
    { key: 'plain', ...launch(BIN, false) },
    { key: 'tty', ...launch(BIN, true) },
    ...(baseBin ? [{ key: 'base', ...launch(baseBin, false) }] : []),
  ];
  const t = await timeInterleaved(commands, { rounds });
  if (baseBin) {
    row('tty', '`task -b -- true` (no --tty), this build', t.plain, {
      baseline: t.base,
      baselineLabel: '`task -b -- true`, base build, same rounds',
      paired: pairedRatios(t.plain, t.base),
      goal: '≤ 1.02× (unchanged)',
      limit: 1.02,
      kind: 'ratio',
    });
  } else notes.push('tty: no --base-bin given: `task -b` without --tty was not compared with a base build');
  row('tty', '`task -b --tty -- true` (until the launch returns)', t.tty, {
    baseline: t.plain,
    baselineLabel: '`task -b -- true`, same rounds',
    paired: pairedRatios(t.tty, t.plain),
    goal: 'report',
  });

  // Until the task is done: the launch, the worker (node-pty loaded, a terminal opened, its socket) and `true`.
  const done = { plain: [], tty: [] };
  for (let r = 0; r < rounds; r++) {
    for (const tty of r % 2 ? [true, false] : [false, true]) {
      const t0 = performance.now();
      const p = spawn(NODE, launch(BIN, tty).argv.slice(1), { env, stdio: 'ignore' });
      await new Promise((res) => p.once('exit', res));
      await drain(home, 60_000, 5);
      done[tty ? 'tty' : 'plain'].push(performance.now() - t0);
    }
  }
  row('tty', '`task -b --tty -- true` until the task is done', stats(done.tty), {
    baseline: stats(done.plain),
    baselineLabel: 'the same without --tty',
    goal: 'report',
  });

  // The worker's memory while its command runs, with a terminal and without.
  const rss = { plain: [], tty: [] };
  for (const tty of [false, true]) {
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const r = spawn(NODE, [BIN, 'task', 'bench', `rss ${i}`, '-b', '--json', ...(tty ? ['--tty'] : []), '--', 'sleep', '60'], {
        env,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      r.stdout.on('data', (d) => (out += d));
      await new Promise((res) => r.once('exit', res));
      ids.push(JSON.parse(out).id);
    }
    const deadline = Date.now() + 30_000;
    const pids = new Map();
    while (pids.size < ids.length && Date.now() < deadline) {
      for (const id of ids) {
        const task = readTask(home, id);
        if (task?.status === 'running' && task.pid && task.commandPid) pids.set(id, task.pid);
      }
      await sleep(50);
    }
    await sleep(500);
    for (const pid of pids.values()) {
      let peak = 0;
      for (let k = 0; k < 5; k++) {
        peak = Math.max(peak, procStatus(pid)?.rss ?? 0);
        await sleep(50);
      }
      if (peak) rss[tty ? 'tty' : 'plain'].push(peak / 1024);
    }
    spawn(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore' });
    await drain(home, 30_000);
  }
  row('tty', 'worker RSS while its command runs (`sleep 60`), --tty', stats(rss.tty), {
    unit: 'MiB',
    baseline: stats(rss.plain),
    baselineLabel: 'the same without --tty',
    goal: 'report',
  });
  methods.tty =
    `Interleaved rounds (${rounds}, after 2 warm-up rounds, NODE_EXTRA_CA_CERTS unset): \`task -b -- true\` of this build, the same of a base build ` +
    "(`--base-bin`: another checkout's bin/dev-tools.js, e.g. main's, with its own dist/) and `task -b --tty -- true`, each followed, untimed, by waiting " +
    'until its worker and command are gone. "Until done": wall time from spawning the launch until the state dir has no active task and no ' +
    'process (polled every 5 ms), alternating with and without --tty. RSS: five `task -b [--tty] -- sleep 60` at once, VmRSS of each worker ' +
    'sampled five times once its command runs, the peak per worker kept.';
}
