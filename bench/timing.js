// Timing of whole commands, paired: every group holds its own baseline (`node -e 0`
// with the same environment), and the commands of a group run interleaved, one run
// of each per round in a shuffled order, so load that comes and goes on a shared
// machine hits every command alike. Ratios divide medians of the same rounds.
import { spawnSync } from 'node:child_process';

/** Whether an executable is on PATH (no shell, no `which` needed). */
export function hasTool(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && r.stdout.toString().trim() !== '';
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => quantile(s, q);
  return { n: s.length, median: at(0.5), p25: at(0.25), p75: at(0.75), p95: at(0.95), min: s[0], max: s[s.length - 1], samples };
}

/** A deterministic shuffle (the order of a round), so two runs of the bench do the same thing. */
function shuffled(items, seed) {
  const out = [...items];
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Times commands interleaved. Each command: { key, argv, env, after?, capture? }.
 * `after` runs untimed after each run (e.g. wait until the detached worker a launch
 * started has exited, so it does not run beside the next timed command).
 * `capture` reads stdout through a pipe (as a terminal or `| less` would take it)
 * instead of /dev/null. A run that exits non-zero is counted in `failed`: a broken
 * command must not pass for a fast one.
 * Returns { [key]: stats & { failed, outBytes, perRound } }.
 */
export async function timeInterleaved(commands, { rounds, warmup = 2, cwd = process.cwd() }) {
  const samples = Object.fromEntries(commands.map((c) => [c.key, []]));
  const failed = Object.fromEntries(commands.map((c) => [c.key, 0]));
  const outBytes = {};
  const errors = {};
  for (let r = 0; r < warmup + rounds; r++) {
    for (const c of shuffled(commands, r + 1)) {
      const stdio = ['ignore', c.capture ? 'pipe' : 'ignore', 'pipe'];
      const t0 = process.hrtime.bigint();
      const res = spawnSync(c.argv[0], c.argv.slice(1), { env: c.env, cwd, stdio, maxBuffer: 2 ** 31 - 1, timeout: 120_000 });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (res.status !== 0) {
        failed[c.key]++;
        errors[c.key] = `${c.argv.slice(1).join(' ').slice(0, 120)} exited ${res.status ?? res.signal}: ${String(
          res.stderr ?? res.error ?? '',
        )
          .trim()
          .slice(0, 300)}`;
      }
      if (c.capture && res.stdout) outBytes[c.key] = res.stdout.length;
      if (r >= warmup) samples[c.key].push(ms);
      if (c.after) await c.after();
    }
  }
  const out = {};
  for (const c of commands)
    out[c.key] = {
      ...stats(samples[c.key]),
      failed: failed[c.key],
      error: errors[c.key] ?? null,
      outBytes: outBytes[c.key] ?? null,
      perRound: samples[c.key],
    };
  return out;
}

/** The ratio of each round's pair (same round, adjacent in time): its median and quartiles. */
export function pairedRatios(a, b) {
  const n = Math.min(a.perRound.length, b.perRound.length);
  const r = [];
  for (let i = 0; i < n; i++) r.push(a.perRound[i] / b.perRound[i]);
  const s = [...r].sort((x, y) => x - y);
  return { median: quantile(s, 0.5), p25: quantile(s, 0.25), p75: quantile(s, 0.75) };
}

/** Times one argv once (used where each run needs its own set-up). */
export function timeOnce(argv, { env = process.env, cwd = process.cwd(), stdio = 'ignore' } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, cwd, stdio });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stdout: r.stdout };
}
