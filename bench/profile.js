// Where the time goes: CPU profiles (`node --cpu-prof`) of the built package,
// summarized into buckets: Node's own start, the module loader, evaluating each
// imported package, GC, and the real work per package. bench/causes.md is written
// by hand from this output.
//
//   node bench/profile.js [--runs N] [--keep DIR]
//
// Profiles (NODE_EXTRA_CA_CERTS unset, so Node's start is not dominated by it):
// `--help`, `status --json` at 1,000 tasks, `task -b -- true` (the launcher and the
// detached worker, both via NODE_OPTIONS), and `dev-tools ui` in tmux 160x50: its
// start until the first frame, and 10 s with 10 tasks printing progress 5 times a
// second (the cost per frame).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { benchId, cleanupTemps, makeHome, makeTask, makeTempDir, populate, startHolder, writeTask } from './fixtures.js';
import { frames, TmuxTerminal } from './terminal.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'dev-tools.js');
const NODE = process.execPath;
const args = process.argv.slice(2);
const RUNS = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;
const KEEP = args.includes('--keep') ? resolve(args[args.indexOf('--keep') + 1]) : null;
const INTERVAL_US = 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function env(home, extra = {}) {
  const e = { ...process.env, DEV_TOOLS_HOME: home, NO_COLOR: '1' };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'CI', 'FORCE_COLOR', 'NODE_OPTIONS']) delete e[k];
  return { ...e, ...extra };
}

// ---------------------------------------------------------------- attribution

const bundleMaps = new Map();
/** For a bundled file (esbuild, not minified): the `// path` comment that opens each module, by line. */
function bundleMap(path) {
  if (!bundleMaps.has(path)) {
    const marks = [];
    try {
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((l, i) => {
          const m = /^\/\/ ((?:node_modules|dist|src|components)\/\S+)$/.exec(l);
          if (m) marks.push([i, m[1]]);
        });
    } catch {
      // not readable: whole-file attribution
    }
    bundleMaps.set(path, marks);
  }
  return bundleMaps.get(path);
}

/** The package or part of ours a code location belongs to. */
function ownerOf(url, line) {
  if (!url) return null;
  if (url.startsWith('node:')) return url.startsWith('node:internal/modules/') ? 'node: module loader' : 'node: internals';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.includes('/dist/ui/')) {
    const marks = bundleMap(path);
    let src = null;
    for (const [l, p] of marks) {
      if (l > line) break;
      src = p;
    }
    if (src) path = `/${src}`;
  }
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const m = /\/(?:dist\/)?(src\/[a-z]+|components)\//.exec(path);
  if (m) return `ours: ${m[1]}`;
  if (path.includes('/dist/ui/')) return 'ours: dist/ui (bundle)';
  return path.split('/').slice(-2).join('/');
}

/**
 * Sums one profile into buckets (ms). A sample is, by its stack:
 *   GC, or "(program)" (V8 compiling, native code outside JS), by its leaf;
 *   "node: loading built-in modules" when Node compiles or runs one of its own
 *   lazily loaded modules (node:internal/bootstrap/realm on the stack);
 *   "import: evaluating X" inside the top-level code of an imported module
 *   (not the entry script), X from the innermost frame of ours or a package;
 *   "module loader" when the innermost frame that is not a plain Node
 *   internal is Node's ESM/CJS loader;
 *   else "work: X", X owning the innermost frame that is not a Node internal
 *   (so fs calls count for the code that made them); "node: start-up and
 *   internals" when there is none (bootstrap, timers, streams on their own).
 */
function summarize(profile, { entry, from = -Infinity, to = Infinity } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const buckets = new Map();
  const fns = new Map();
  let t = profile.startTime;
  let total = 0;
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  const isLoader = (url) => url.startsWith('node:internal/modules/');
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const ms = (profile.timeDeltas[i + 1] ?? INTERVAL_US) / 1000;
    if (t < from || t > to) continue;
    const leaf = byId.get(profile.samples[i]);
    const name = leaf.callFrame.functionName;
    if (name === '(idle)') continue;
    total += ms;
    const lf = leaf.callFrame;
    if (lf.url.includes('/dist/ui/') && lf.lineNumber === 0 && lf.functionName === '' && leaf.positionTicks?.length) {
      // The top-level code of a bundle chunk is every bundled module's top level at once:
      // V8's per-line ticks tell which module's lines ran.
      const ticks = leaf.positionTicks.reduce((n, p) => n + p.ticks, 0);
      for (const p of leaf.positionTicks) {
        const owner = ownerOf(lf.url, p.line - 1);
        add(buckets, `import: evaluating ${owner}`, (ms * p.ticks) / ticks);
        add(fns, `(module top level) — ${owner}`, (ms * p.ticks) / ticks);
      }
      continue;
    }
    add(fns, `${name || '(anonymous)'} — ${lf.url ? ownerOf(lf.url, lf.lineNumber) : 'native'}`, ms);
    if (name === '(garbage collector)' || name === '(program)') {
      add(buckets, name === '(program)' ? '(program): V8 compile, native code' : 'GC', ms);
      continue;
    }
    let builtin = false;
    let firstOwn = null; // innermost frame of ours or a package, or of the loader
    let topLevel = null;
    for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id).callFrame;
      if (!cf.url) continue;
      if (cf.url === 'node:internal/bootstrap/realm') builtin = true;
      if (!firstOwn && (!cf.url.startsWith('node:') || isLoader(cf.url))) firstOwn = cf;
      if (!topLevel && cf.functionName === '' && cf.lineNumber === 0 && cf.columnNumber === 0 && !cf.url.startsWith('node:')) topLevel = cf;
    }
    if (builtin && (!firstOwn || isLoader(firstOwn.url) || firstOwn.url.startsWith('node:')))
      add(buckets, 'node: loading built-in modules', ms);
    else if (topLevel && topLevel.url !== entry && firstOwn && !firstOwn.url.startsWith('node:'))
      add(buckets, `import: evaluating ${ownerOf(firstOwn.url, firstOwn.lineNumber)}`, ms);
    else if (firstOwn && isLoader(firstOwn.url)) add(buckets, 'module loader (resolve, read, compile, link)', ms);
    else if (firstOwn) add(buckets, `work: ${ownerOf(firstOwn.url, firstOwn.lineNumber)}`, ms);
    else if (builtin) add(buckets, 'node: loading built-in modules', ms);
    else add(buckets, 'node: start-up and internals', ms);
  }
  return { total, buckets, fns, span: (Math.min(profile.endTime, to) - Math.max(profile.startTime, from)) / 1000 };
}

function merge(summaries) {
  const out = { total: 0, span: 0, buckets: new Map(), fns: new Map(), n: summaries.length };
  for (const s of summaries) {
    out.total += s.total;
    out.span += s.span;
    for (const [k, v] of s.buckets) out.buckets.set(k, (out.buckets.get(k) ?? 0) + v);
    for (const [k, v] of s.fns) out.fns.set(k, (out.fns.get(k) ?? 0) + v);
  }
  return out;
}

function print(title, s, { per = s.n, perLabel = 'run', topBuckets = 14, topFns = 12, extra = '' } = {}) {
  const lines = [`### ${title}`, ''];
  lines.push(
    `${s.n} profile(s); per ${perLabel}: ${(s.total / per).toFixed(1)} ms on CPU (JS, GC, compile) in a profiled span of ${(s.span / s.n).toFixed(0)} ms${extra}`,
    '',
  );
  lines.push('| bucket | ms per ' + perLabel + ' | share |', '|---|---|---|');
  for (const [k, v] of [...s.buckets].sort((a, b) => b[1] - a[1]).slice(0, topBuckets))
    lines.push(`| ${k} | ${(v / per).toFixed(2)} | ${((v / s.total) * 100).toFixed(0)}% |`);
  lines.push('', '| self time, top functions | ms per ' + perLabel + ' |', '|---|---|');
  for (const [k, v] of [...s.fns].sort((a, b) => b[1] - a[1]).slice(0, topFns))
    lines.push(`| ${k.replace(/\|/g, '\\|')} | ${(v / per).toFixed(2)} |`);
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}

function profilesIn(dir) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ file: join(dir, f), pid: Number(f.split('.')[3]), profile: JSON.parse(readFileSync(join(dir, f), 'utf8')) }));
}

// ---------------------------------------------------------------- runs

const entryUrl = (p) => `file://${p}`;
const MAIN = entryUrl(join(ROOT, 'dist', 'src', 'cli', 'main.js'));

function cliProfiles(label, argv, e) {
  const dir = join(work, label);
  mkdirSync(dir, { recursive: true });
  const wall = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(NODE, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(INTERVAL_US), BIN, ...argv], {
      env: e,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
    if (i > 0) wall.push(performance.now() - t0);
  }
  const all = profilesIn(dir)
    .sort((a, b) => a.profile.startTime - b.profile.startTime)
    .slice(1);
  wall.sort((a, b) => a - b);
  return { all, wallMedian: wall[Math.floor(wall.length / 2)] };
}

const work = KEEP ?? makeTempDir('profiles');
if (KEEP) mkdirSync(KEEP, { recursive: true });
const holder = startHolder();
try {
  process.stdout.write(
    `## CPU profiles (${new Date().toISOString()}, Node ${process.version}, NODE_EXTRA_CA_CERTS unset, --cpu-prof-interval ${INTERVAL_US} µs)\n\n`,
  );
  const base = spawnSync(
    NODE,
    ['--cpu-prof', '--cpu-prof-dir', join(work, 'node0'), '--cpu-prof-interval', String(INTERVAL_US), '-e', '0'],
    { env: env('/nonexistent') },
  );
  if (base.status === 0) {
    const p = profilesIn(join(work, 'node0'))[0].profile;
    process.stdout.write(`For scale: \`node -e 0\` profiles ${((p.endTime - p.startTime) / 1000).toFixed(1)} ms of span.\n\n`);
  }

  const s1k = makeHome('prof-status');
  populate(s1k, 1000, { running: 10, queued: 2, holder });
  const help = cliProfiles('help', ['--help'], env(s1k));
  print('`dev-tools --help`', merge(help.all.map((x) => summarize(x.profile, { entry: MAIN }))), {
    extra: `; wall ${help.wallMedian.toFixed(0)} ms (median, profiler on)`,
  });
  const status = cliProfiles('status', ['status', '--json'], env(s1k));
  print('`status --json`, 1,000 tasks', merge(status.all.map((x) => summarize(x.profile, { entry: MAIN }))), {
    extra: `; wall ${status.wallMedian.toFixed(0)} ms`,
  });
  const hist = makeHome('prof-hist');
  populate(hist, 10_000, {});
  const all = cliProfiles('all10k', ['status', '--all', '--json'], env(hist));
  print('`status --all --json`, 10,000 finished tasks', merge(all.all.map((x) => summarize(x.profile, { entry: MAIN }))), {
    extra: `; wall ${all.wallMedian.toFixed(0)} ms`,
  });

  // The launcher and its detached worker. Node 20 refuses --cpu-prof in NODE_OPTIONS, but
  // --require is allowed and reaches the worker too: a preload starts the inspector's
  // profiler and writes the profile on exit (it misses Node's bootstrap before the preload).
  const lh = makeHome('prof-launch');
  const ldir = join(work, 'launch');
  mkdirSync(ldir, { recursive: true });
  const preload = join(work, 'profile-preload.cjs');
  writeFileSync(
    preload,
    `const inspector = require('node:inspector');
const fs = require('node:fs');
const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: ${INTERVAL_US} });
session.post('Profiler.start');
process.on('exit', () => {
  session.post('Profiler.stop', (err, res) => {
    if (!err) fs.writeFileSync(process.env.DT_PROFILE_DIR + '/CPU.0.0.' + process.pid + '.0.001.cpuprofile', JSON.stringify(res.profile));
  });
});
`,
  );
  const launcherPids = new Set();
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(NODE, [BIN, 'task', 'bench', `p${i}`, '-b', '--json', '--', 'true'], {
      env: env(lh, { NODE_OPTIONS: `--require ${preload}`, DT_PROFILE_DIR: ldir }),
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`task -b: ${r.stderr}`);
    const end = Date.now() + 20_000;
    while (readdirSync(join(lh, 'tasks')).some((f) => f.endsWith('.json')) && Date.now() < end) await sleep(20);
    await sleep(300); // the worker writes its profile as it exits
  }
  const done = readdirSync(join(lh, 'tasks', 'done')).map((f) => JSON.parse(readFileSync(join(lh, 'tasks', 'done', f), 'utf8')));
  const workerPids = new Set(done.map((t) => t.pid));
  const lp = profilesIn(ldir);
  for (const x of lp) if (!workerPids.has(x.pid)) launcherPids.add(x.pid);
  const workerRuns = lp.filter((x) => workerPids.has(x.pid));
  print(
    '`task -b -- true`: the launcher',
    merge(lp.filter((x) => launcherPids.has(x.pid)).map((x) => summarize(x.profile, { entry: MAIN }))),
  );
  const life = done.map((t) => Date.parse(t.completedAt) - Date.parse(t.claimedAt ?? t.startedAt)).sort((a, b) => a - b);
  const workerEntry = workerRuns[0]
    ? workerRuns[0].profile.nodes.find(
        (n) => n.callFrame.url.startsWith('file://') && n.callFrame.functionName === '' && n.callFrame.lineNumber === 0,
      )?.callFrame.url
    : undefined;
  print('the detached worker of `task -b -- true`', merge(workerRuns.map((x) => summarize(x.profile, { entry: workerEntry }))), {
    extra: `; claimed → completed ${life[Math.floor(life.length / 2)]} ms (median, from the task files)`,
  });

  await profileDashboard();
} finally {
  holder.stop();
  cleanupTemps();
}

// performance.now() and V8's profile clock are both CLOCK_MONOTONIC; this maps one onto the other (µs).
function toProfileUs(ms) {
  return Number(process.hrtime.bigint() / 1000n) - (performance.now() - ms) * 1000;
}

/** Runs `dev-tools ui` under --cpu-prof in the pane; `during(first)` runs while it is open; quits with q and returns the profile. */
async function profileUi(term, home, label, token, during) {
  const dir = join(work, label);
  mkdirSync(dir, { recursive: true });
  const { t0, pid } = await term.launch(`${NODE} --cpu-prof --cpu-prof-dir ${dir} --cpu-prof-interval ${INTERVAL_US} ${BIN} ui`, {
    DEV_TOOLS_HOME: home,
    NO_COLOR: null,
    NODE_EXTRA_CA_CERTS: null,
  });
  const first = await term.waitFor(t0, (s) => s.includes(token), 30_000);
  if (first === null) throw new Error(`the dashboard never showed ${token}`);
  const result = await during(first);
  term.keysAt('q');
  const end = Date.now() + 10_000;
  while (Date.now() < end && !readdirSync(dir).some((f) => f.endsWith('.cpuprofile'))) await sleep(100);
  await sleep(300);
  const prof = profilesIn(dir).find((x) => x.pid === pid)?.profile ?? profilesIn(dir)[0]?.profile;
  if (!prof) throw new Error('the dashboard wrote no profile');
  return { prof, t0, first, ...result };
}

/**
 * `dev-tools ui` in tmux 160x50 under --cpu-prof: its start until the first frame and
 * 10 s with 10 tasks printing progress 5 times a second; then 10 s of an idle one.
 */
async function profileDashboard() {
  const home = makeHome('prof-busy');
  writeFileSync(join(home, 'config.json'), JSON.stringify({ cancelGraceMs: 500 }));
  const e = env(home);
  const script = 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo "step $i"; echo "::progress $((i % 100)) step $i"; sleep 0.2; done';
  const ids = [];
  for (let i = 0; i < 10; i++)
    ids.push(
      JSON.parse(
        spawnSync(NODE, [BIN, 'task', 'bench', `progress ${i}`, '-b', '--json', '--', 'sh', '-c', script], { env: e, encoding: 'utf8' })
          .stdout,
      ).id,
    );
  const termEnv = { ...e };
  delete termEnv.NO_COLOR;
  let term = null;
  try {
    term = await TmuxTerminal.start({ dir: makeTempDir('prof-tmux'), env: termEnv });
    await profileBusyAndIdle(term, home, e, ids);
  } finally {
    term?.close();
    spawnSync(NODE, [BIN, 'cancel', '--all'], { env: e, stdio: 'ignore', timeout: 30_000 });
  }
}

async function profileBusyAndIdle(term, home, e, ids) {
  const entry = entryUrl(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  try {
    await sleep(1000);
    const busy = await profileUi(term, home, 'ui-busy', ids[0], async () => {
      await sleep(1500);
      const w0 = performance.now();
      await sleep(10_000);
      const w1 = performance.now();
      return { w0, w1, frames: frames(term.chunks.filter((c) => c.t >= w0 && c.t < w1)).length };
    });
    const start = summarize(busy.prof, { entry, to: toProfileUs(busy.first) });
    print(
      '`dev-tools ui`: start until the first frame (10 running tasks)',
      { ...start, n: 1 },
      { extra: `; first frame ${(busy.first - busy.t0).toFixed(0)} ms after Enter` },
    );
    const window = summarize(busy.prof, { entry, from: toProfileUs(busy.w0), to: toProfileUs(busy.w1) });
    print(
      `\`dev-tools ui\`: 10 s with 10 tasks at 5 updates/s, per frame (${busy.frames} frames)`,
      { ...window, n: 1 },
      {
        per: busy.frames,
        perLabel: 'frame',
        extra: `; ${((window.total / (busy.w1 - busy.w0)) * 100).toFixed(1)} % of a core over the window (profiler on)`,
      },
    );
  } finally {
    spawnSync(NODE, [BIN, 'cancel', '--all'], { env: e, stdio: 'ignore', timeout: 30_000 });
  }
  {
    const idleHome = makeHome('prof-idle');
    for (let i = 0; i < 20; i++) writeTask(idleHome, makeTask(benchId('f', i), 'completed', i), true);
    const idle = await profileUi(term, idleHome, 'ui-idle', 'dev-tools', async () => {
      await sleep(500);
      term.keysAt('a');
      await sleep(2000);
      const w0 = performance.now();
      await sleep(10_000);
      return { w0, w1: performance.now() };
    });
    const window = summarize(idle.prof, { entry, from: toProfileUs(idle.w0), to: toProfileUs(idle.w1) });
    print('`dev-tools ui`: idle, 10 s (20 finished tasks shown, nothing running)', { ...window, n: 1 }, { perLabel: '10 s' });
  }
}
