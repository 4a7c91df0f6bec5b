// Drives the real dashboard (runDashboard → App from dist/) with a fake terminal:
// a stdout with columns/rows whose write() timestamps every frame, and a stdin
// that types keys. Run as a child of bench/run.js, once per scenario, so start-up
// and CPU figures belong to this process alone. Prints one JSON object.
//
//   node bench/dashboard.js start   <home> <token>   start time, then frame cost (j/k)
//   node bench/dashboard.js latency <home> <count>   task-file write → frame showing it
//   node bench/dashboard.js idle    <home> <seconds> CPU while tasks run (real scheduler)
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [scenario, home, arg] = process.argv.slice(2);
process.env.DEV_TOOLS_HOME = home;

const COLUMNS = 160;
const ROWS = 50;

class FakeStdout extends EventEmitter {
  columns = COLUMNS;
  rows = ROWS;
  isTTY = true;
  writes = [];
  waiters = new Set();
  write(data, enc, cb) {
    const t = performance.now();
    const s = String(data);
    this.writes.push({ t, s });
    for (const w of this.waiters) w(t, s);
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') done();
    return true;
  }
  /** Time of the first write at or after `after` that satisfies `match`. */
  waitFor(after, match, timeoutMs = 5000) {
    for (const w of this.writes) if (w.t >= after && match(w.s)) return Promise.resolve(w.t);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(null);
      }, timeoutMs);
      const waiter = (t, s) => {
        if (t >= after && match(s)) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(t);
        }
      };
      this.waiters.add(waiter);
    });
  }
  /** Resolves once no frame has been written for `quietMs` (or at `maxMs`). */
  async settle(quietMs, maxMs) {
    const end = performance.now() + maxMs;
    while (performance.now() < end) {
      const last = this.writes.at(-1)?.t ?? 0;
      if (performance.now() - last >= quietMs) return;
      await sleep(Math.min(50, quietMs));
    }
  }
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  data = null;
  type(data) {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read() {
    const { data } = this;
    this.data = null;
    return data;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const { openContext } = await import('../dist/src/cli/context.js');
// Loaded as `dev-tools ui` loads it: the bundle in dist/ui, CI hidden, React's production build.
const { loadDashboard } = await import('../dist/src/cli/load-ui.js');
const { runDashboard } = await loadDashboard();
const { runnerActions } = await import('../dist/components/actions.js');
const { writeFileAtomic } = await import('../dist/src/store/atomic.js');

const ctx = await openContext();
const stdout = new FakeStdout();
const stdin = new FakeStdin();
// The timed scenarios hold queued tasks: the real scheduler step would start them.
const real = runnerActions(ctx.store);
const actions = scenario === 'idle' ? real : { ...real, schedule: async () => undefined };
const running = runDashboard({ store: ctx.store, config: ctx.config, stdin, stdout, actions });
const result = { scenario };

try {
  if (scenario === 'start') {
    const token = arg;
    const first = await stdout.waitFor(0, (s) => s.includes(token), 20_000);
    // performance.now() counts from this process's start: node boot, imports, first frame.
    result.startMs = first;
    await stdout.settle(600, 8000);
    result.frameMs = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const next = stdout.waitFor(t0, () => true, 2000);
      stdin.type(i % 2 === 0 ? 'j' : 'k');
      const t = await next;
      if (t !== null) result.frameMs.push(t - t0);
      await sleep(80);
    }
  } else if (scenario === 'latency') {
    const count = Number(arg);
    await stdout.settle(400, 5000);
    const files = ctx.store.listActive().slice(0, 15);
    result.latencyMs = [];
    result.missed = 0;
    for (let k = 0; k < count; k++) {
      const entry = files[k % files.length];
      const path = ctx.store.activePath(entry.id);
      const task = JSON.parse(readFileSync(path, 'utf8'));
      const token = `chg${k}x`;
      task.stage = { index: 0, count: 1, name: token, phase: null };
      const t0 = performance.now();
      const seen = stdout.waitFor(t0, (s) => s.includes(token), 3000);
      writeFileAtomic(path, `${JSON.stringify(task, null, 2)}\n`);
      const t = await seen;
      if (t === null) result.missed++;
      else result.latencyMs.push(t - t0);
      await sleep(60 + (k % 5) * 20);
    }
  } else if (scenario === 'idle') {
    const seconds = Number(arg);
    await sleep(1000);
    const frames0 = stdout.writes.length;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    result.cpuMs = (cpu.user + cpu.system) / 1000;
    result.wallMs = wall;
    result.writes = stdout.writes.length - frames0;
    const last = stdout.writes.filter((w) => w.s.includes('running')).at(-1);
    result.header = last ? /running \d+\/\d+/.exec(last.s.replace(/\x1b\[[0-9;]*m/g, ''))?.[0] ?? null : null;
  }
} finally {
  stdin.type('q');
  await Promise.race([running, sleep(3000)]);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
