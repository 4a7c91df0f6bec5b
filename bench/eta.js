// The ETA section: runs recorded by bench/eta-record.js (bench/eta-runs.json) replayed
// through the worker's progress tracker, as the dashboard shows its ETA every 250 ms,
// and scored against how long each run really took. The baseline, replayed on the same
// runs, is the textbook ETA (the time so far stretched over what is left, as `pv` does).
// The tracker is src/core, bundled here with esbuild (the package ships no such entry).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeTempDir } from './fixtures.js';
import { stats } from './timing.js';

export async function benchEta({ root, row, methods, notes }) {
  const dir = makeTempDir('eta');
  const out = join(dir, 'eta-replay.mjs');
  await build({
    entryPoints: [join(root, 'src/core/eta-replay.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile: out,
    logLevel: 'warning',
  });
  const { replayEta, linearEta, scoreEta } = await import(pathToFileURL(out).href);
  const recorded = JSON.parse(readFileSync(join(root, 'bench', 'eta-runs.json'), 'utf8'));
  const all = { ours: [], linear: [], unknown: [], linearUnknown: [], jumps: [], linearJumps: [] };
  for (const job of recorded.jobs) {
    const ours = [];
    const linear = [];
    job.runs.forEach((run, i) => {
      // The runs before this one are its history, as when a user runs the same job again.
      const samples = replayEta(
        run,
        job.pipeline,
        job.runs.slice(0, i).map((r) => r.durationMs),
      );
      const a = scoreEta(samples);
      const b = scoreEta(linearEta(samples));
      ours.push(a.error * 100);
      linear.push(b.error * 100);
      all.ours.push(a.error * 100);
      all.linear.push(b.error * 100);
      all.unknown.push(a.unknown * 100);
      all.linearUnknown.push(b.unknown * 100);
      all.jumps.push(a.jumpsUp);
      all.linearJumps.push(b.jumpsUp);
    });
    row('eta', `ETA error: ${job.name} (${job.runs.length} runs)`, stats(ours), {
      unit: '% of run',
      baseline: stats(linear),
      baselineLabel: 'time so far stretched',
    });
  }
  row('eta', 'ETA error, every run', stats(all.ours), {
    unit: '% of run',
    baseline: stats(all.linear),
    baselineLabel: 'time so far stretched',
  });
  row('eta', 'share of the run with no ETA shown (-)', stats(all.unknown), {
    unit: '% of run',
    baseline: stats(all.linearUnknown),
    baselineLabel: 'time so far stretched',
  });
  row('eta', 'times the ETA went up by a second or more, per run', stats(all.jumps), {
    unit: 'jumps',
    baseline: stats(all.linearJumps),
    baselineLabel: 'time so far stretched',
  });
  methods.eta =
    `${recorded.jobs.reduce((n, j) => n + j.runs.length, 0)} runs of ${recorded.jobs.length} jobs recorded on ${recorded.recordedAt} by bench/eta-record.js ` +
    '(when each stage began and each marker came), replayed through src/core/progress.ts as the worker runs it (progress written at most once a second, ' +
    'stage starts at once) and read every 250 ms as the dashboard shows it (the last ETA written, counting down; `<1s` once it runs out). Each run has the ' +
    'runs of its job before it as history. Error = mean of |ETA shown − time really left| over the samples that show one, as a share of the run. ' +
    'Record new runs with `node bench/eta-record.js`.';
  if (all.ours.length === 0) notes.push('eta: no recorded runs in bench/eta-runs.json');
}
