// `npm run bench`: times the built CLI, the worker and the dashboard against
// baselines measured in the same run, prints a table and writes bench/BENCHMARKS.md.
//
//   node bench/run.js [--full] [--no-hyperfine] [--only <section,...>]
//
// Default counts are small enough for < 10 minutes on 2 cores and still give
// stable medians; --full takes more runs. Every process and temp dir it starts
// is stopped and removed, also on Ctrl+C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { benchId, cleanupTemps, makeHome, makeTempDir, makeTask, populate, startHolder, writeLog, writeTask } from './fixtures.js';
import { hasTool, stats, timeCommands, timeOnce } from './timing.js';
import { writeReport } from './report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'dev-tools.js');
const NODE = process.execPath;
const args = process.argv.slice(2);
const FULL = args.includes('--full');
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : null;
const RUNS = FULL ? 40 : 15;
const SAMPLES = FULL ? 5 : 3;

const tools = {
  hyperfine: !args.includes('--no-hyperfine') && hasTool('hyperfine'),
  tsp: hasTool('tsp'),
  nq: hasTool('nq') && hasTool('fq'),
  pm2: hasTool('pm2'),
  proc: existsSync('/proc/self/status'),
};

const rows = [];
const notes = [];
const probes = {};
const stopHooks = [];

function log(msg) {
  process.stderr.write(`[bench ${((performance.now() / 1000) | 0).toString().padStart(3)}s] ${msg}\n`);
}

/** One line of the table. `value` and `baseline` are stats objects (ms, MiB, MB/s...). */
function row(section, figure, value, { baseline = null, baselineLabel = '', unit = 'ms', goal = '', verdict = null, ratio = null, better = 'lower' } = {}) {
  const r = { section, figure, value, baseline, baselineLabel, unit, goal, verdict, better };
  r.ratio = ratio ?? (baseline ? value.median / baseline.median : null);
  rows.push(r);
  return r;
}

function cliEnv(home, extra = {}) {
  const env = { ...process.env, DEV_TOOLS_HOME: home, NO_COLOR: '1', ...extra };
  for (const k of ['CI', 'DEV_TOOLS_DEBUG']) delete env[k];
  return env;
}

const dt = (...a) => [NODE, BIN, ...a];
const NODE0 = [NODE, '-e', '0'];

function time(commands, env, runs = RUNS) {
  return timeCommands(commands, { runs, warmup: 2, env, useHyperfine: tools.hyperfine, cwd: ROOT });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function activeCount(home) {
  try {
    return readdirSync(join(home, 'tasks')).filter((n) => /^[a-z0-9]{1,8}\.json$/.test(n)).length;
  } catch {
    return 0;
  }
}

/** Waits for every task of a home to finish (the workers exit on their own). */
async function drain(home, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (activeCount(home) > 0 && Date.now() < end) await sleep(100);
  if (activeCount(home) > 0) {
    spawnSync(NODE, [BIN, 'cancel', '--all'], { env: cliEnv(home), stdio: 'ignore', timeout: 30_000 });
  }
}

function readTask(home, id) {
  for (const p of [join(home, 'tasks', `${id}.json`), join(home, 'tasks', 'done', `${id}.json`)]) {
    try {
      return JSON.parse(readFileSync(p, 'utf8'));
    } catch {
      // moving between folders, or not there
    }
  }
  return null;
}

function vmHwmKiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function launchJson(home, desc, cmd) {
  const r = spawnSync(NODE, [BIN, 'task', 'bench', desc, '-b', '--json', '--', ...cmd], { env: cliEnv(home), cwd: ROOT });
  if (r.status !== 0) throw new Error(`launch failed: ${r.stderr}`);
  return JSON.parse(r.stdout.toString());
}

/** Launches a task, samples its worker's VmHWM until it exits; returns peak KiB and the final task. */
async function runWorker(home, desc, cmd) {
  const task = launchJson(home, desc, cmd);
  let pid = null;
  let peak = 0;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const t = readTask(home, task.id);
    if (t?.pid && !pid) pid = t.pid;
    if (pid) {
      const hwm = vmHwmKiB(pid);
      if (hwm !== null) peak = Math.max(peak, hwm);
      else if (t && !['queued', 'running'].includes(t.status)) break;
    }
    if (t && !['queued', 'running'].includes(t.status) && (!pid || vmHwmKiB(pid) === null)) break;
    await sleep(20);
  }
  return { peakKiB: peak, task: readTask(home, task.id) };
}

// ---------------------------------------------------------------- sections

async function benchHelp() {
  const home = makeHome('help');
  // What start-up is made of, measured together (the cause when the goal is missed):
  // the ESM loader, commander, and our own modules that main.js imports statically.
  probes.helpModules = moduleGraph(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  const files = probes.helpModules.slice(1).map((f) => `import '${f}';`).join('\n');
  const [base, help, esm, cmdr, graph] = time(
    [NODE0, dt('--help'), [NODE, '--input-type=module', '-e', ''], [NODE, '--input-type=module', '-e', "import 'commander'"], [NODE, '--input-type=module', '-e', files]],
    cliEnv(home),
  );
  row('cli', '`dev-tools --help`', help, { baseline: base, baselineLabel: '`node -e 0`', goal: '≤ 1.2×' });
  probes.node0 = base.median;
  probes.esmEmpty = esm.median;
  probes.commander = cmdr.median - esm.median;
  probes.ownModulesOnly = graph.median - esm.median;
  probes.help = help.median;
}

/** Our own modules that a static import of `entry` loads (relative imports only). */
function moduleGraph(entry) {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^import\s+(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'/gm)) walk(resolve(dirname(file), m[1]));
  };
  walk(entry);
  return [...seen];
}

async function benchStatus() {
  const holder = startHolder();
  stopHooks.push(holder.stop);
  try {
    const homes = {};
    for (const n of [0, 1000, 10000]) {
      homes[n] = makeHome(`status${n}`);
      // 10 running (a live holder process, so nobody reaps them) + 2 queued; the rest finished.
      if (n) populate(homes[n], n, { running: 10, queued: 2, holder });
    }
    const results = {};
    for (const n of [0, 1000, 10000]) {
      const [base, s] = time([NODE0, dt('status', '--json')], cliEnv(homes[n]));
      results[n] = s;
      row('cli', `\`status --json\`, ${n.toLocaleString('en')} task files`, s, { baseline: base, baselineLabel: '`node -e 0`', goal: n === 1000 ? '≤ 1.3×' : 'report growth' });
    }
    const [base, all] = time([NODE0, dt('status', '--all', '--json')], cliEnv(homes[10000]), Math.max(5, RUNS / 3));
    row('cli', '`status --all --json`, 10,000 task files (reads all history)', all, { baseline: base, baselineLabel: '`node -e 0`', goal: 'report' });
    // A user with a config.json: the file is validated (zod is imported).
    const cfgHome = homes[1000];
    spawnSync('sh', ['-c', `printf '%s' '{"maxParallelTasks":10,"projects":{"web":{"cwd":"/tmp"}}}' > ${cfgHome}/config.json`]);
    const [b2, withCfg] = time([NODE0, dt('status', '--json')], cliEnv(cfgHome));
    row('cli', '`status --json`, 1,000 task files, with config.json', withCfg, { baseline: b2, baselineLabel: '`node -e 0`', goal: 'report' });
    probes.statusGrowth = results[10000].median - results[1000].median;
    probes.statusCfgMs = withCfg.median - b2.median;
  } finally {
    holder.stop();
  }
}

async function benchLaunch() {
  const home = makeHome('launch');
  const env = cliEnv(home);
  const [base, launch] = time([NODE0, dt('task', 'bench', 'launch', '-b', '--', 'true')], env);
  row('cli', '`task -b` (launch returns)', launch, { baseline: base, baselineLabel: '`node -e 0`', goal: '≤ 2×' });
  await drain(home);
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) {
    spawnSync(NODE, [BIN, 'task', 'bench', `launch ${i}`, '-b', '--', 'true'], { env, stdio: 'ignore' });
  }
  const total = performance.now() - t0;
  row('cli', '100 × `task -b` in a row (total)', stats([total / 1000]), { unit: 's', goal: '≤ 10 s', verdict: total <= 10_000 });
  probes.launch100 = total;
  await drain(home, 120_000);
  const failed = readdirSync(join(home, 'tasks', 'done')).filter((f) => readTask(home, f.slice(0, -5))?.status !== 'completed').length;
  if (failed) notes.push(`${failed} of the launched benchmark tasks did not complete`);
}

async function benchLogs() {
  const home = makeHome('logs');
  const big = benchId('g', 1);
  const small = benchId('s', 1);
  writeTask(home, makeTask(big, 'completed', 1), true);
  writeTask(home, makeTask(small, 'completed', 2), true);
  const t0 = performance.now();
  writeLog(join(home, 'logs', `${big}.log`), 1024 * 1024 * 1024);
  writeLog(join(home, 'logs', `${small}.log`), 1024);
  log(`1 GiB log written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    const [base, s, b] = time([NODE0, dt('logs', '-n', '50', small), dt('logs', '-n', '50', big)], cliEnv(home));
    row('cli', '`logs -n 50`, 1 GiB log', b, { baseline: s, baselineLabel: 'same on a 1 KiB log', goal: '≤ 1.2×' });
    row('cli', '`logs -n 50`, 1 KiB log', s, { baseline: base, baselineLabel: '`node -e 0`', goal: 'report' });
  } finally {
    rmSync(join(home, 'logs', `${big}.log`), { force: true });
  }
}

async function benchWorker() {
  if (!tools.proc) {
    notes.push('worker RSS and throughput rows skipped: no /proc on this system');
    return;
  }
  const home = makeHome('worker');
  const base = [];
  for (let i = 0; i < SAMPLES * 2; i++) {
    const r = spawnSync(NODE, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))']);
    base.push(Number(r.stdout.toString()) / 1024);
  }
  const baseRss = stats(base);
  const idle = [];
  for (let i = 0; i < SAMPLES; i++) idle.push((await runWorker(home, 'idle', ['sleep', '2'])).peakKiB / 1024);
  row('worker', 'worker peak RSS, idle command (`sleep 2`)', stats(idle), { baseline: baseRss, baselineLabel: '`node -e 0` RSS', unit: 'MiB', goal: '≤ 60 MiB', verdict: stats(idle).max <= 60 });

  const loud = [];
  const workerMs = [];
  const shellMs = [];
  const dir = makeTempDir('redirect');
  const cmd = 'yes | head -c 500M';
  for (let i = 0; i < SAMPLES; i++) {
    // The shell alone, redirected to a file: the floor for writing 500 MiB.
    const out = join(dir, 'out.log');
    shellMs.push(timeOnce(['sh', '-c', `${cmd} > ${out}`]).ms);
    rmSync(out, { force: true });
    const { peakKiB, task } = await runWorker(home, 'loud', ['sh', '-c', cmd]);
    loud.push(peakKiB / 1024);
    const size = statSync(join(home, 'logs', `${task.id}.log`)).size;
    if (size !== 500 * 1024 * 1024) notes.push(`the worker's log held ${size} bytes instead of 524288000`);
    workerMs.push(Date.parse(task.completedAt) - Date.parse(task.startedAt));
    rmSync(join(home, 'logs', `${task.id}.log`), { force: true });
  }
  // Bounded means the peak does not follow the amount of output: the same at 100 MiB as at 500 MiB.
  const small = [];
  for (let i = 0; i < SAMPLES; i++) {
    const { peakKiB, task } = await runWorker(home, 'loud100', ['sh', '-c', 'yes | head -c 100M']);
    small.push(peakKiB / 1024);
    rmSync(join(home, 'logs', `${task.id}.log`), { force: true });
  }
  const smallStats = stats(small);
  row('worker', 'worker peak RSS, 100 MiB of output', smallStats, { baseline: baseRss, baselineLabel: '`node -e 0` RSS', unit: 'MiB', goal: 'report' });
  probes.rss100 = smallStats.median;
  const loudStats = stats(loud);
  row('worker', 'worker peak RSS, 500 MiB of output (`yes | head -c 500M`)', loudStats, { baseline: baseRss, baselineLabel: '`node -e 0` RSS', unit: 'MiB', goal: '≤ 60 MiB, bounded', verdict: loudStats.max <= 60 && loudStats.max - smallStats.median < 5 });
  const mbps = (ms) => 500 / (ms / 1000);
  const w = stats(workerMs.map(mbps));
  const s = stats(shellMs.map(mbps));
  row('worker', 'log piping throughput, 500 MiB through the worker', w, { baseline: s, baselineLabel: 'shell redirect to a file', unit: 'MiB/s', goal: '≥ 50% of the shell', better: 'higher', verdict: w.median / s.median >= 0.5 });
}

function runHarness(scenario, home, arg, timeoutMs = 120_000) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(NODE, [join(ROOT, 'bench', 'dashboard.js'), scenario, home, String(arg)], {
      env: cliEnv(home),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill = () => child.kill('SIGKILL');
    stopHooks.push(kill);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(kill, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return reject(new Error(`dashboard ${scenario} failed (${code}): ${err.slice(-2000)}`));
      resolveRun(JSON.parse(line));
    });
  });
}

async function benchDashboard() {
  const small = makeHome('ui50');
  const large = makeHome('ui5000');
  const history = makeHome('uihist');
  populate(small, 50, { queued: 50 });
  populate(large, 5000, { queued: 5000 });
  populate(history, 5000, { queued: 10 });
  const starts = { 50: [], 5000: [], hist: [] };
  const frames = { 50: [], 5000: [] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const [key, home] of [['50', small], ['5000', large], ['hist', history]]) {
      const r = await runHarness('start', home, benchId('t', 0));
      starts[key].push(r.startMs);
      if (frames[key]) frames[key].push(...r.frameMs);
    }
  }
  const [base] = time([NODE0], cliEnv(small));
  const s50 = stats(starts[50]);
  const s5k = stats(starts[5000]);
  row('dashboard', 'dashboard start to first frame, 50 tasks', s50, { baseline: base, baselineLabel: '`node -e 0`', goal: 'report' });
  row('dashboard', 'dashboard start to first frame, 5,000 tasks', s5k, { baseline: s50, baselineLabel: 'start with 50 tasks', goal: '≤ 1 s', verdict: s5k.median <= 1000 });
  row('dashboard', 'dashboard start, 10 active + 4,990 finished in history', stats(starts.hist), { baseline: s50, baselineLabel: 'start with 50 tasks', goal: 'report' });
  const f50 = stats(frames[50]);
  const f5k = stats(frames[5000]);
  row('dashboard', 'one frame (key j/k → frame written), 50 tasks', f50, { goal: 'report' });
  row('dashboard', 'one frame (key j/k → frame written), 5,000 tasks', f5k, { baseline: f50, baselineLabel: 'frame at 50 tasks', goal: '≤ 1.5×', verdict: f5k.median / f50.median <= 1.5 });

  const lat = await runHarness('latency', small, FULL ? 100 : 50);
  const l = stats(lat.latencyMs);
  row('dashboard', `task file change → frame showing it (${lat.latencyMs.length} changes, p95)`, { ...l, median: l.p95 }, { goal: '≤ 100 ms p95', verdict: l.p95 <= 100 && lat.missed === 0 });
  probes.latency = { ...l, missed: lat.missed };
  if (lat.missed) notes.push(`${lat.missed} task-file changes never reached the screen within 3 s`);
}

async function benchIdle() {
  const home = makeHome('idle');
  const env = cliEnv(home);
  spawnSync('sh', ['-c', `printf '%s' '{"cancelGraceMs":500}' > ${home}/config.json`]);
  const script = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo "step $i"; echo "::progress $((i % 100)) step $i"; sleep 0.2; done';
  for (let i = 0; i < 10; i++) spawnSync(NODE, [BIN, 'task', 'bench', `progress ${i}`, '-b', '--', 'sh', '-c', script], { env, stdio: 'ignore' });
  stopHooks.push(() => spawnSync(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore', timeout: 30_000 }));
  try {
    const seconds = 10;
    const r = await runHarness('idle', home, seconds);
    const pct = (r.cpuMs / r.wallMs) * 100;
    row('dashboard', `dashboard CPU over ${seconds} s, 10 running tasks printing progress (5/s each)`, stats([pct]), { unit: '% of a core', goal: 'report' });
    probes.idle = { ...r, pct };
  } finally {
    spawnSync(NODE, [BIN, 'cancel', '--all'], { env, stdio: 'ignore', timeout: 30_000 });
  }
}

async function benchOthers() {
  // Launch and list of the tools people compare with, each against a dev-tools run in the same block.
  const home = makeHome('others');
  const env = cliEnv(home);
  const [base, dLaunch, dList] = time([NODE0, dt('task', 'bench', 'x', '-b', '--', 'true'), dt('status', '--json')], env);
  row('others', 'dev-tools: launch (`task -b -- true`)', dLaunch, { baseline: base, baselineLabel: '`node -e 0`', goal: 'compare' });
  row('others', 'dev-tools: list (`status --json`)', dList, { baseline: base, baselineLabel: '`node -e 0`', goal: 'compare' });
  await drain(home);
  if (tools.tsp) {
    const dir = makeTempDir('tsp');
    const tenv = { ...env, TS_SOCKET: join(dir, 'socket'), TMPDIR: dir, TS_MAXFINISHED: '1000' };
    const [tl, tls] = time([['tsp', 'true'], ['tsp', '-l']], tenv);
    row('others', 'tsp: launch (`tsp true`)', tl, { baseline: dLaunch, baselineLabel: 'dev-tools launch', goal: 'compare' });
    row('others', 'tsp: list (`tsp -l`)', tls, { baseline: dList, baselineLabel: 'dev-tools list', goal: 'compare' });
    spawnSync('tsp', ['-K'], { env: tenv, stdio: 'ignore' });
  } else notes.push('tsp (Debian task-spooler) not installed: its rows are skipped');
  if (tools.nq) {
    const dir = makeTempDir('nq');
    const nenv = { ...env, NQDIR: dir };
    const [nl, nls] = time([['nq', '-q', 'true'], ['fq', '-nq']], nenv);
    row('others', 'nq: launch (`nq true`)', nl, { baseline: dLaunch, baselineLabel: 'dev-tools launch', goal: 'compare' });
    row('others', 'nq: list (`fq -nq`)', nls, { baseline: dList, baselineLabel: 'dev-tools list', goal: 'compare' });
    await sleep(300); // let the queued `true` jobs run out
  } else notes.push('nq not installed: its rows are skipped');
  if (tools.pm2) {
    const dir = makeTempDir('pm2');
    const penv = { ...env, PM2_HOME: dir };
    const [pl, pls] = time([['pm2', 'start', '--no-autorestart', '-f', '--name', 'b', 'true'], ['pm2', 'jlist']], penv, Math.max(5, RUNS / 3));
    row('others', 'pm2: launch (`pm2 start true`)', pl, { baseline: dLaunch, baselineLabel: 'dev-tools launch', goal: 'compare' });
    row('others', 'pm2: list (`pm2 jlist`)', pls, { baseline: dList, baselineLabel: 'dev-tools list', goal: 'compare' });
    spawnSync('pm2', ['kill'], { env: penv, stdio: 'ignore', timeout: 20_000 });
  } else notes.push('pm2 not installed: its rows are skipped (`npm i -g pm2` to add them)');
}

// ---------------------------------------------------------------- main

const SECTIONS = [
  ['help', benchHelp],
  ['status', benchStatus],
  ['launch', benchLaunch],
  ['logs', benchLogs],
  ['worker', benchWorker],
  ['dashboard', benchDashboard],
  ['idle', benchIdle],
  ['others', benchOthers],
];

let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const stop of stopHooks.reverse()) {
    try {
      stop();
    } catch {
      // already gone
    }
  }
  cleanupTemps();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) {
  process.stderr.write('bench: dist/ is missing; run `npm run bench` (it builds first)\n');
  process.exit(2);
}

const started = Date.now();
log(`tools: ${Object.entries(tools).map(([k, v]) => `${k}=${v ? 'yes' : 'no'}`).join(' ')}; ${RUNS} runs per command${FULL ? ' (--full)' : ''}`);
try {
  for (const [name, fn] of SECTIONS) {
    if (only && !only.has(name)) continue;
    const t0 = performance.now();
    log(`${name}…`);
    try {
      await fn();
      log(`${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      // One broken section (e.g. a component mid-edit) must not lose the others' figures.
      const first = String(err?.message ?? err).split('\n').slice(0, 3).join(' ').slice(0, 400);
      notes.push(`section "${name}" failed, its rows are missing: ${first}`);
      log(`${name} FAILED: ${first}`);
    }
  }
} finally {
  cleanup();
}
const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memGiB: totalmem() / 1024 ** 3,
  node: process.version,
  date: new Date().toISOString(),
  runtimeS: (Date.now() - started) / 1000,
  tools,
  runs: RUNS,
  samples: SAMPLES,
  full: FULL,
  partial: Boolean(only),
};
const causesFile = join(ROOT, 'bench', 'causes.md');
const extra = existsSync(causesFile) ? readFileSync(causesFile, 'utf8').trim() : '';
const table = writeReport({ machine, rows, notes, probes, root: ROOT, extra });
process.stdout.write(`${table}\n`);
