// The execa section: what execa would cost where it is not loaded. The fast commands
// import it lazily, at the call sites that run git, Slurm, ps, tmux or a hook, and the
// worker spawns its command with node:child_process. Each is measured as shipped beside
// the same with execa loaded up front (`node --import execa`, the cost of a static
// import), and the step spawn with node:child_process beside the same spawn by execa.
import { spawnSync } from 'node:child_process';
import { makeHome } from './fixtures.js';
import { pairedRatios, stats, timeInterleaved } from './timing.js';

export async function benchExeca({ NODE, BIN, ROOT, rounds, cliEnv, drain, row, methods }) {
  const home = makeHome('execa');
  const launchHome = makeHome('execa-launch');
  const env = cliEnv(home, { ca: false });
  const launchEnv = cliEnv(launchHome, { ca: false });
  const preload = ['--import', 'execa'];
  const t = await timeInterleaved(
    [
      { key: 'node0', argv: [NODE, '-e', '0'], env },
      { key: 'status', argv: [NODE, BIN, 'status', '--json'], env },
      { key: 'statusExeca', argv: [NODE, ...preload, BIN, 'status', '--json'], env },
      { key: 'launch', argv: [NODE, BIN, 'task', 'bench', 'x', '-b', '--', 'true'], env: launchEnv, after: () => drain(launchHome) },
      {
        key: 'launchExeca',
        argv: [NODE, ...preload, BIN, 'task', 'bench', 'x', '-b', '--', 'true'],
        env: launchEnv,
        after: () => drain(launchHome),
      },
    ],
    { rounds, cwd: ROOT },
  );
  for (const [key, label] of [
    ['status', '`status --json`'],
    ['launch', '`task -b -- true`'],
  ]) {
    const asShipped = row('execa', `${label} as shipped (execa not loaded)`, t[key], {
      baseline: t.node0,
      baselineLabel: '`node -e 0`, same env',
      paired: pairedRatios(t[key], t.node0),
    });
    row('execa', `${label} with execa loaded up front (\`--import execa\`, an upper bound on a static import)`, t[`${key}Execa`], {
      baseline: t[key],
      baselineLabel: 'the same as shipped',
      paired: pairedRatios(t[`${key}Execa`], t[key]),
      note: `${((t[`${key}Execa`].median - asShipped.value.median) / (t.node0.median || 1)).toFixed(2)} of a Node start`,
    });
  }

  // The worker's step spawn: one process that spawns `true` 20 times, one after the
  // other, and reports its peak RSS; the same with execa.
  const script = (viaExeca) =>
    viaExeca
      ? `const { execa } = await import('execa');
for (let i = 0; i < 20; i++) await execa('true', { stdio: 'ignore', reject: false });
process.stdout.write(String(process.resourceUsage().maxRSS));`
      : `const { spawn } = await import('node:child_process');
for (let i = 0; i < 20; i++) await new Promise((r) => spawn('true', { stdio: 'ignore' }).on('exit', r));
process.stdout.write(String(process.resourceUsage().maxRSS));`;
  // Run from the package, so that `execa` resolves.
  const s = await timeInterleaved(
    [
      { key: 'plain', argv: [NODE, '--input-type=module', '-e', script(false)], env, capture: true },
      { key: 'execa', argv: [NODE, '--input-type=module', '-e', script(true)], env, capture: true },
    ],
    { rounds, cwd: ROOT },
  );
  row('execa', 'a process spawning `true` 20 times with node:child_process (the worker)', s.plain, {});
  row('execa', 'the same with execa', s.execa, {
    baseline: s.plain,
    baselineLabel: 'node:child_process',
    paired: pairedRatios(s.execa, s.plain),
  });
  const rss = {};
  for (const key of ['plain', 'execa']) {
    const samples = [];
    for (let i = 0; i < 5; i++) {
      const r = spawnSync(NODE, ['--input-type=module', '-e', script(key === 'execa')], { env, cwd: ROOT, encoding: 'utf8' });
      samples.push(Number(r.stdout) / 1024);
    }
    rss[key] = stats(samples);
  }
  row('execa', 'peak RSS of that process, node:child_process', rss.plain, { unit: 'MiB' });
  row('execa', 'peak RSS of that process, execa', rss.execa, {
    unit: 'MiB',
    baseline: rss.plain,
    baselineLabel: 'node:child_process',
    note: `+${(rss.execa.median - rss.plain.median).toFixed(1)} MiB`,
  });
  methods.execa =
    'execa is imported lazily where dev-tools runs git, sbatch/squeue/scancel, ps, tmux or a hook, and never by the worker to spawn the ' +
    "task's command. `--import execa` loads it before the CLI, which is what a static import would add to every command. The step " +
    'spawn is a Node process spawning `true` 20 times in a row, with node:child_process and with execa, its peak RSS from ' +
    'process.resourceUsage(). NODE_EXTRA_CA_CERTS unset throughout; interleaved rounds, medians.';
}
