// The table (terminal and Markdown) and bench/BENCHMARKS.md with the machine,
// the figures and, per goal, met / missed by how much and the measured cause.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

function num(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (unit === 's') return v.toFixed(2);
  if (unit === 'MiB' || unit === 'MiB/s') return v.toFixed(1);
  if (unit.startsWith('%')) return v.toFixed(1);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** met / missed from the explicit verdict, or from a ratio goal such as "≤ 1.2×". */
export function verdictOf(r) {
  if (r.verdict === true) return 'met';
  if (r.verdict === false) return 'MISSED';
  const m = /^≤ ([\d.]+)×$/.exec(r.goal);
  if (m && r.ratio !== null) return r.ratio <= Number(m[1]) ? 'met' : 'MISSED';
  return '';
}

function cells(r) {
  const v = r.value;
  return [
    r.figure,
    `${num(v.median, r.unit)} ${r.unit}`,
    v.n > 1 ? `${num(v.min, r.unit)}–${num(v.max, r.unit)}` : '-',
    r.baseline ? `${num(r.baseline.median, r.unit)} (${r.baselineLabel})` : '-',
    r.ratio !== null ? `${r.ratio.toFixed(2)}×` : '-',
    r.goal,
    verdictOf(r),
  ];
}

const HEAD = ['figure', 'median', 'min–max', 'baseline (median)', 'ratio', 'goal', 'verdict'];

export function markdownTable(rows) {
  const lines = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${cells(r).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  return lines.join('\n');
}

export function textTable(rows) {
  const all = [HEAD, ...rows.map(cells)].map((r) => r.map((c) => c.replace(/`/g, '')));
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

const find = (rows, start) => rows.find((r) => r.figure.startsWith(start));
const pct = (ratio, limit) => `${(((ratio - limit) / limit) * 100).toFixed(0)}%`;

/** One paragraph per goal of the issue, with the figures of this run. */
function goalNotes(rows, probes) {
  const out = [];
  const say = (title, text) => out.push(`- **${title}** — ${text}`);
  const ratioGoal = (r, limit) => (r ? (r.ratio <= limit ? `met (${r.ratio.toFixed(2)}× ≤ ${limit}×)` : `missed: ${r.ratio.toFixed(2)}× against ≤ ${limit}×, ${pct(r.ratio, limit)} over`) : 'not measured');

  const help = find(rows, '`dev-tools --help`');
  if (help) {
    const p = probes;
    say(
      '`--help` ≤ 1.2×',
      `${ratioGoal(help, 1.2)}. Parts, measured in the same block (noisy on a loaded machine): \`node -e 0\` ${p.node0.toFixed(0)} ms; ` +
        `an empty ES module ${p.esmEmpty.toFixed(0)} ms (the ESM loader); the same plus commander: +${p.commander.toFixed(0)} ms; ` +
        `the same plus our ${p.helpModules.length - 1} modules that \`main.js\` imports statically (the subcommand definitions; ` +
        `their runner and store code loads inside each action): +${p.ownModulesOnly.toFixed(0)} ms. The 1.2× budget is ${(p.node0 * 0.2).toFixed(0)} ms, ` +
        'less than the ESM loader and commander cost on their own. ' +
        'See "Causes, what was changed, and what is left".',
    );
  }
  const s1k = find(rows, '`status --json`, 1,000');
  const s0 = find(rows, '`status --json`, 0 ');
  const s10k = find(rows, '`status --json`, 10,000');
  const all10k = find(rows, '`status --all --json`, 10,000');
  const cfg = find(rows, '`status --json`, 1,000 task files, with config.json');
  if (s1k) {
    say(
      '`status --json` ≤ 1.3× at 1,000',
      `${ratioGoal(s1k, 1.3)}. Growth: 0 → 1,000 → 10,000 task files gives ${s0.value.median.toFixed(0)} → ${s1k.value.median.toFixed(0)} → ` +
        `${s10k.value.median.toFixed(0)} ms (${(s10k.value.median - s0.value.median).toFixed(0)} ms from 0 to 10,000): flat, because finished ` +
        `tasks live in tasks/done/ and \`status\` reads only tasks/ (12 active files here). \`--all\` reads every file: ` +
        `${all10k ? all10k.value.median.toFixed(0) : '-'} ms at 10,000. The cost that is there is start-up, the same as \`--help\` ` +
        `plus the scheduler step (lock, reap, fill slots). With a config.json, zod is loaded to validate it: ` +
        `${cfg ? `${cfg.value.median.toFixed(0)} ms (${cfg.ratio.toFixed(2)}×)` : '-'}.`,
    );
  }
  const launch = find(rows, '`task -b`');
  const l100 = find(rows, '100 ×');
  if (launch) {
    say(
      '`task -b` ≤ 2×; 100 launches ≤ 10 s',
      `${ratioGoal(launch, 2)}; 100 launches took ${(probes.launch100 / 1000).toFixed(1)} s (${l100?.verdict ? 'met' : 'missed'}). ` +
        'A launch is start-up plus creating the file, taking the scheduler lock and spawning the detached worker; ' +
        'the workers of earlier launches compete for the 2 cores while later ones start. 100 sequential launches in 10 s ' +
        'means 100 ms per launch, less than `node -e 0` takes here, so that part cannot be met by sequential launches of a Node CLI.',
    );
  }
  const logs = find(rows, '`logs -n 50`, 1 GiB');
  if (logs) say('`logs -n 50` on 1 GiB ≤ 1.2×', `${ratioGoal(logs, 1.2)}: the tail is read backwards from the end in 64 KiB chunks, so the size does not matter.`);
  const rIdle = find(rows, 'worker peak RSS, idle');
  const rLoud = find(rows, 'worker peak RSS, 500');
  if (rIdle && rLoud) {
    say(
      'worker peak RSS ≤ 60 MiB, bounded',
      `${rIdle.value.max <= 60 && rLoud.value.max <= 60 ? 'met' : 'missed'}: idle ${rIdle.value.median.toFixed(1)} MiB, ` +
        `500 MiB of output ${rLoud.value.median.toFixed(1)} MiB (max ${rLoud.value.max.toFixed(1)}), against ${rIdle.baseline.median.toFixed(1)} MiB ` +
        `for \`node -e 0\`; 100 MiB of output peaks at ${probes.rss100?.toFixed(1) ?? '-'} MiB, so the rise under output is a plateau (bounded), ` +
        'flat: the command writes to the log file itself and the worker reads markers back with one fixed buffer.',
    );
  }
  const thr = find(rows, 'log piping');
  if (thr) {
    say(
      'log throughput ≥ 50% of a shell redirect',
      `${thr.ratio >= 0.5 ? 'met' : `missed by ${((0.5 - thr.ratio) * 100).toFixed(0)} points`}: ${thr.value.median.toFixed(0)} MiB/s through ` +
        `the worker against ${thr.baseline.median.toFixed(0)} MiB/s for the shell alone (${(thr.ratio * 100).toFixed(0)}%). ` +
        'The command writes straight to the log file (as a shell redirect does); the worker only reads it back for markers.',
    );
  }
  const lat = find(rows, 'task file change');
  if (lat) {
    const l = probes.latency;
    say(
      'dashboard: file change → frame ≤ 100 ms p95',
      `${lat.verdict ? 'met' : `missed: p95 ${l.p95.toFixed(0)} ms, ${(l.p95 - 100).toFixed(0)} ms over`} (median ${l.median.toFixed(0)} ms, ` +
        `max ${l.max.toFixed(0)} ms${l.missed ? `, ${l.missed} never shown` : ''}). See "Causes, what was changed, and what is left" (Dashboard).`,
    );
  }
  const st = find(rows, 'dashboard start to first frame, 5,000');
  const f5 = find(rows, 'one frame (key j/k → frame written), 5,000');
  if (st && f5) {
    say(
      'dashboard: start ≤ 1 s with 5,000 tasks; frame 5,000 vs 50 ≤ 1.5×',
      `start ${st.value.median <= 1000 ? 'met' : `missed by ${(st.value.median - 1000).toFixed(0)} ms`} (${st.value.median.toFixed(0)} ms median, ` +
        `${st.baseline.median.toFixed(0)} ms with 50 tasks); frame ratio ${f5.ratio <= 1.5 ? 'met' : 'missed'} (${f5.ratio.toFixed(2)}×: ` +
        `${f5.baseline.median.toFixed(0)} → ${f5.value.median.toFixed(0)} ms) — only the rows that fit are rendered.`,
    );
  }
  const idle = find(rows, 'dashboard CPU');
  if (idle && probes.idle) {
    say(
      'dashboard CPU, 10 running tasks',
      `${idle.value.median.toFixed(1)}% of one core over ${(probes.idle.wallMs / 1000).toFixed(0)} s (${probes.idle.cpuMs.toFixed(0)} ms of CPU, ` +
        `${probes.idle.writes} writes to the terminal, header ${probes.idle.header ?? '?'}).`,
    );
  }
  return out.join('\n');
}

export function writeReport({ machine, rows, notes, probes, root, extra = '' }) {
  const sections = [
    ['cli', 'Command line'],
    ['worker', 'Worker'],
    ['dashboard', 'Dashboard'],
    ['others', 'Against other tools (same run)'],
  ];
  const md = [];
  md.push('# Benchmarks');
  md.push('');
  md.push(`Written by \`npm run bench\` (bench/run.js). Latest run: ${machine.date}.`);
  md.push('');
  md.push('## Machine');
  md.push('');
  md.push(`- CPU: ${machine.cpu}, ${machine.nproc} cores (nproc)`);
  md.push(`- Memory: ${machine.memGiB.toFixed(1)} GiB`);
  md.push(`- Node ${machine.node}, ${process.platform}`);
  md.push(`- Timing: ${machine.tools.hyperfine ? 'hyperfine' : 'process.hrtime (hyperfine not installed)'}, ${machine.runs} runs per command after 2 warm-ups; worker and dashboard figures over ${machine.samples} runs`);
  md.push(`- Tools found: ${Object.entries(machine.tools).map(([k, v]) => `${k} ${v ? 'yes' : 'no'}`).join(', ')}`);
  md.push(`- Whole run: ${machine.runtimeS.toFixed(0)} s${machine.partial ? ' (partial run: --only)' : ''}`);
  md.push('');
  md.push('Each figure is the median with min–max over the runs; the ratio divides it by the median of the baseline measured in the same block of the same run (for throughput, higher is better).');
  md.push('');
  md.push('## Figures');
  for (const [key, title] of sections) {
    const rs = rows.filter((r) => r.section === key);
    if (!rs.length) continue;
    md.push('', `### ${title}`, '', markdownTable(rs));
  }
  md.push('', '## Goals', '', goalNotes(rows, probes));
  if (notes.length) md.push('', '## Notes from this run', '', ...notes.map((n) => `- ${n}`));
  if (extra) md.push('', extra);
  md.push('');
  const path = join(root, 'bench', 'BENCHMARKS.md');
  writeFileSync(path, md.join('\n'));
  return `${textTable(rows)}\n\n${goalNotes(rows, probes).replace(/\*\*/g, '')}\n\nwritten: ${relative(process.cwd(), path) || path}`;
}
