// Records real runs of jobs that print progress markers, for the ETA figures of
// `npm run bench` (bench/eta.js) and the ETA tests: when each stage began and each
// marker came, in ms from the start, and how long the run took. Each job runs several
// times, as a user runs the same build again: the earlier runs are the history an ETA
// may use.
//
//   node bench/eta-record.js [--runs 4] [--out bench/eta-runs.json]
//
// The jobs work on files of node_modules (real xz and sha256sum work, on files of uneven
// sizes), and one is the demo's pipeline (its stages take unequal times for equal weights).
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const RUNS = Number(opt('--runs', '4'));
const OUT = resolve(opt('--out', join(ROOT, 'bench', 'eta-runs.json')));

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const files = (dir, filter = () => true) =>
  readdirSync(join(ROOT, dir))
    .filter(filter)
    .sort()
    .map((f) => join(ROOT, dir, f))
    .filter((f) => statSync(f).isFile());

/** A loop over files that runs `each` on every one and prints its percent (scaled to `upTo`). */
function overFiles(list, each, upTo = 100) {
  return `n=${list.length}; i=0; for f in ${list.map(quote).join(' ')}; do ${each} "$f" > /dev/null; i=$((i + 1)); echo "::progress $((i * ${upTo} / n))"; done`;
}

const tsLib = files('node_modules/typescript/lib', (f) => f.endsWith('.js') || f.endsWith('.d.ts'));
const types = files('node_modules/@types/node', (f) => f.endsWith('.d.ts'));
const largest = [...tsLib].sort((a, b) => statSync(b).size - statSync(a).size).slice(0, 8);

const JOBS = [
  {
    name: 'demo pipeline (plan, build, test: equal weights, 3 s, 8 s and 5 s)',
    stages: [
      'for step in read-spec outline split-work; do echo "::stage $step"; sleep 1; done',
      'i=1; while [ $i -le 16 ]; do echo "::progress $((i * 100 / 16))"; sleep 0.5; i=$((i + 1)); done',
      'i=1; while [ $i -le 12 ]; do echo "::progress $((i * 100 / 12))"; sleep 0.4; i=$((i + 1)); done',
    ],
  },
  { name: `xz -6 of ${tsLib.length} files of uneven size (typescript/lib)`, stages: [overFiles(tsLib, 'xz -6c')] },
  {
    name: 'two stages of equal weight: sha256sum of small files, then xz -6 of the 8 largest',
    stages: [overFiles(types, 'sha256sum'), overFiles(largest, 'xz -6c')],
  },
  {
    name: 'markers up to 85 %, then a last step without any (a link)',
    stages: [`${overFiles(largest.slice(1), 'xz -3c', 85)}; xz -6c ${quote(largest[0])} > /dev/null; echo "::progress 100"`],
  },
];

/** One run: each stage in turn, as the worker runs them; markers timed as their lines arrive. */
async function record(job) {
  const start = performance.now();
  const at = () => Math.round(performance.now() - start);
  const events = [];
  for (const [index, script] of job.stages.entries()) {
    if (job.stages.length > 1) events.push(['stage', at(), index, job.stages.length]);
    await new Promise((done, fail) => {
      const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let rest = '';
      child.stdout.on('data', (d) => {
        const lines = (rest + d.toString()).split('\n');
        rest = lines.pop();
        for (const line of lines) if (line.startsWith('::')) events.push(['marker', at(), line]);
      });
      child.on('error', fail);
      child.on('close', (code) => (code === 0 ? done() : fail(new Error(`${job.name}: stage ${index + 1} exited ${code}`))));
    });
  }
  return { durationMs: at(), events };
}

const recorded = [];
for (const job of JOBS) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await record(job);
    process.stderr.write(`${job.name}: run ${i + 1}/${RUNS}, ${run.durationMs} ms, ${run.events.length} events\n`);
    runs.push(run);
  }
  recorded.push({ name: job.name, pipeline: job.stages.length > 1, runs });
}
// One run a line: the file stays readable and its diffs small.
const jobs = recorded.map(
  (job) =>
    `  { "name": ${JSON.stringify(job.name)}, "pipeline": ${job.pipeline}, "runs": [\n${job.runs.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ] }`,
);
const header = `"recordedAt": ${JSON.stringify(new Date().toISOString().slice(0, 10))}, "node": ${JSON.stringify(process.version)}`;
writeFileSync(OUT, `{ ${header}, "jobs": [\n${jobs.join(',\n')}\n] }\n`);
process.stderr.write(`wrote ${OUT}\n`);
