// Timing of whole commands: hyperfine when it is installed, else process.hrtime
// over N runs. Either way every group holds its own baseline, measured in the same
// block, so a ratio never compares figures taken minutes apart on a busy machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether an executable is on PATH (no shell, no `which` needed). */
export function hasTool(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && r.stdout.toString().trim() !== '';
}

export function stats(samplesMs) {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q) => {
    if (s.length === 0) return NaN;
    const pos = (s.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  return { n: s.length, median: at(0.5), min: s[0], max: s[s.length - 1], p95: at(0.95), samples: s };
}

/**
 * Times each command (an argv array). Returns stats per command, in order.
 * With hyperfine: one invocation for the group (-N, no shell). Without: the
 * commands are interleaved run by run, so drift hits them all alike.
 */
export function timeCommands(commands, { runs, warmup = 2, env = process.env, useHyperfine = true, cwd = process.cwd() }) {
  if (useHyperfine) {
    // A few short hyperfine blocks in turn, not one long block per command: on a
    // shared machine, load that comes and goes then hits every command alike.
    const rounds = runs >= 9 ? 3 : 1;
    const per = Math.ceil(runs / rounds);
    const samples = commands.map(() => []);
    const dir = mkdtempSync(join(tmpdir(), 'dt-bench-hf-'));
    try {
      for (let round = 0; round < rounds; round++) {
        const out = join(dir, `out${round}.json`);
        const args = ['-N', '--style', 'none', '--warmup', String(round === 0 ? warmup : 1), '--runs', String(per), '--export-json', out, ...commands.map(quoteArgv)];
        const r = spawnSync('hyperfine', args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
        if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
        JSON.parse(readFileSync(out, 'utf8')).results.forEach((res, c) => samples[c].push(...res.times.map((t) => t * 1000)));
      }
      return samples.map(stats);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const samples = commands.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    commands.forEach((argv, c) => {
      const t0 = process.hrtime.bigint();
      spawnSync(argv[0], argv.slice(1), { env, cwd, stdio: 'ignore' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= warmup) samples[c].push(ms);
    });
  }
  return samples.map(stats);
}

/** Times one argv once (used where each run needs its own set-up). */
export function timeOnce(argv, { env = process.env, cwd = process.cwd(), stdio = 'ignore' } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env, cwd, stdio });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stdout: r.stdout };
}

function quoteArgv(argv) {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'"'"'`)}'`)).join(' ');
}
