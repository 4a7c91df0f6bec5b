// The tables (terminal and Markdown) and bench/BENCHMARKS.md: the performance goals
// met or missed with their paired ratios, every figure, how each was taken, and
// bench/causes.md appended as it is.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

function num(v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (unit === 's') return v.toFixed(2);
  if (unit === 'MiB' || unit === 'MiB/s' || unit.startsWith('%')) return v.toFixed(1);
  if (unit === 'frames') return v.toFixed(0);
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

const verdictText = (r) => (r.verdict === true ? 'met' : r.verdict === false ? 'MISSED' : '');
const pairedText = (p) => (p ? `${p.median.toFixed(2)}× (${p.p25.toFixed(2)}–${p.p75.toFixed(2)})` : '-');

function cells(r) {
  const v = r.value;
  return [
    r.figure,
    `${num(v.median, r.unit)} ${r.unit}`,
    v.n > 1 ? `${num(v.min, r.unit)}–${num(v.max, r.unit)}` : '-',
    r.baseline ? `${num(r.baseline.median, r.unit)} (${r.baselineLabel})` : '-',
    r.ratio !== null ? `${r.ratio.toFixed(2)}×` : '-',
    pairedText(r.paired),
    r.goal,
    verdictText(r),
    r.note ?? '',
  ];
}

const HEAD = ['figure', 'median', 'min–max', 'baseline (median)', 'ratio', 'paired ratio (p25–p75)', 'goal', 'verdict', 'note'];

function mdTable(head, body) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((cs) => `| ${cs.map(esc).join(' | ')} |`)].join(
    '\n',
  );
}

function textTable(head, body) {
  const all = [head, ...body].map((r) => r.map((c) => String(c).replace(/`/g, '')));
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const byGoal = (rows, id) => rows.find((r) => r.goalId === id);

/** The performance goals, in the order they were set: [goal text, measured text, paired, verdict]. */
function goalRows(rows) {
  const out = [];
  const ratioGoal = (id, text) => {
    const r = byGoal(rows, id);
    const noca = byGoal(rows, `${id}:noca`);
    if (!r) return out.push([text, 'not measured', '-', '-']);
    const measured = `${r.ratio.toFixed(2)}× (${num(r.value.median, r.unit)} vs ${num(r.baseline.median, r.unit)} ms)${noca ? `; with NODE_EXTRA_CA_CERTS unset: ${noca.ratio.toFixed(2)}× (${num(noca.value.median, 'ms')} vs ${num(noca.baseline.median, 'ms')} ms), ${noca.verdict ? 'met' : 'missed'}` : ''}`;
    out.push([text, measured, pairedText(r.paired), verdictText(r)]);
  };
  const plain = (id, text, fmt) => {
    const r = byGoal(rows, id);
    if (!r) return out.push([text, 'not measured', '-', '-']);
    out.push([
      text,
      fmt(r),
      r.paired ? pairedText(r.paired) : r.ratio !== null ? `${r.ratio.toFixed(2)}× ${r.baselineLabel}` : '-',
      verdictText(r),
    ]);
  };
  ratioGoal('status', '`status --json` (1,000 tasks) ≤ 1.3× `node -e 0`');
  ratioGoal('help', '`--help` ≤ 1.2× `node -e 0`');
  ratioGoal('launch', '`task -b` ≤ 1.5× `node -e 0`');
  plain(
    'launch100',
    '100 sequential launches of `true`, until all are done, ≤ 7 s',
    (r) =>
      `${r.value.median.toFixed(2)} s (loop of 100 \`node -e 0\`: ${r.baseline?.median.toFixed(2) ?? '-'} s; 7 s was 1.43× that loop when the goal was set)`,
  );
  plain(
    'cpu100',
    'CPU per task, workers counted, ≤ 120 ms',
    (r) => `${r.value.median.toFixed(0)} ms (${r.note}; one \`node -e 0\`: ${r.baseline?.median.toFixed(0) ?? '-'} ms)`,
  );
  plain(
    'rss',
    'worker RSS while its command runs ≤ 45 MiB',
    (r) => `${r.value.median.toFixed(1)} MiB (idle node: ${r.baseline?.median.toFixed(1)} MiB)`,
  );
  plain(
    'anon',
    'worker unshared (RssAnon) ≤ 8 MiB',
    (r) => `${r.value.median.toFixed(1)} MiB (idle node: ${r.baseline?.median.toFixed(1)} MiB)`,
  );
  plain(
    'history',
    '`status --all --json` at 10,000 finished ≤ 2× at 10',
    (r) => `${r.ratio.toFixed(2)}× (${num(r.value.median, 'ms')} vs ${num(r.baseline.median, 'ms')} ms)`,
  );
  for (const [shape, label] of [
    ['short', 'short lines'],
    ['huge-last', 'last line 128 MiB'],
    ['long', '32 KiB lines'],
  ]) {
    plain(
      `logs:${shape}`,
      `\`logs -n 50\`, 1 GiB log (${label}) ≤ 1.2× the 1 KiB case`,
      (r) => `${r.ratio.toFixed(2)}× (${num(r.value.median, 'ms')} vs ${num(r.baseline.median, 'ms')} ms; ${r.note})`,
    );
  }
  const quiet = byGoal(rows, 'busycpu:quiet');
  plain(
    'busycpu',
    'dashboard CPU, 10 tasks at 5 updates/s, real terminal ≤ 5 % of a core',
    (r) =>
      `${r.value.median.toFixed(1)} % with a log line per update (${r.note})${quiet ? `; ${quiet.value.median.toFixed(1)} % with progress markers only` : ''}`,
  );
  plain('idlecpu', 'dashboard idle CPU 0', (r) => `${r.value.median.toFixed(1)} ms in 10 s (${r.note})`);
  plain(
    'firstframe',
    'dashboard first frame ≤ 1.5× `status` in the same terminal',
    (r) => `${r.ratio.toFixed(2)}× (${num(r.value.median, 'ms')} vs ${num(r.baseline.median, 'ms')} ms)`,
  );
  plain('latency', 'state change on screen ≤ 100 ms p95', (r) => `p95 ${r.value.p95.toFixed(0)} ms (${r.note})`);
  plain(
    'redraws',
    'redraw only rows that changed, or coalesce progress-only updates (bench: ≤ 1 full-screen redraw a second while only progress cells change)',
    (r) => `${r.value.median} frames in 10 s, ${r.note}`,
  );
  const vsTen = (r) => `${r.ratio.toFixed(2)}× (${num(r.value.median, 'ms')} vs ${num(r.baseline.median, 'ms')} ms)`;
  plain('queue-status', '`status --json` with 1,000 queued (dependencies, priorities) ≤ 1.5× with 10', vsTen);
  plain('queue-table', '`status` table with 1,000 queued ≤ 1.5× with 10', vsTen);
  plain('queue-launch', 'a launch with 1,000 queued ≤ 1.5× with 10', vsTen);
  return out;
}

export function writeReport({ machine, rows, notes, methods, path, extra = '' }) {
  const sections = [
    ['startup', 'Start-up (paired with `node -e 0`)', 'startup'],
    ['history', '`status --all` and history size', 'history'],
    ['logs', '`logs -n 50` and log size', 'logs'],
    ['launches', '100 launches, workers counted', 'launches'],
    ['worker', 'Worker memory', 'worker'],
    ['dashboard', 'Dashboard in a real terminal (tmux 160x50)', 'dashboard'],
    ['others', 'Other tools, same rounds (anchors)', null],
    ['slurm', 'Slurm executor: `status` with 100 active Slurm tasks', 'slurm'],
    ['worktree', 'Worktrees: launch to first stage on a repo of 5,000 files', 'worktree'],
    ['fuse', 'Dashboard on a FUSE view of the state dir (a shared filesystem, polled)', 'fuse'],
    ['squeue', 'Slurm: squeue calls with 3 dashboards and 2 `wait`s open', 'squeue'],
    ['eta', 'ETA on recorded runs', 'eta'],
    ['execa', 'execa where it is not loaded: the fast commands and the step spawn', 'execa'],
    ['queue', 'The queue: 1,000 queued tasks (dependencies, priorities) against 10', 'queue'],
  ];
  const goals = goalRows(rows);
  const md = [];
  md.push('# Benchmarks', '');
  md.push(
    `Written by \`npm run bench\` (bench/run.js) from the built package (\`${machine.bin}\` → \`dist/\`, what \`npm pack\` ships). Latest run: ${machine.date}.`,
  );
  md.push('');
  md.push(
    `Machine: ${machine.cpu}, ${machine.nproc} cores, ${machine.memGiB.toFixed(1)} GiB, Node ${machine.node}, ${process.platform}; load average ` +
      `${machine.load[0].map((x) => x.toFixed(1)).join(' ')} at the start and ${machine.load[1].map((x) => x.toFixed(1)).join(' ')} at the end ` +
      '(the machine is shared: absolute times are noisy, so every goal is a ratio against a baseline taken in the same rounds, or an absolute ' +
      'figure set beside one). ' +
      `NODE_EXTRA_CA_CERTS ${machine.ca ? `is set here (${machine.ca})` : 'is not set here'}. ` +
      `${machine.pack ? `Package (npm pack --dry-run): ${machine.pack.files} files, ${machine.pack.unpackedKiB.toFixed(0)} KiB unpacked, ${machine.pack.tarballKiB.toFixed(0)} KiB tarball${machine.pack.shipsBin ? ', bin/dev-tools.js included' : ', bin/dev-tools.js NOT included'}. ` : ''}` +
      `${machine.rounds} timing rounds per command${machine.full ? ' (--full)' : ''}; whole run ${machine.runtimeS.toFixed(0)} s${machine.partial ? ' (partial run: --only)' : ''}.`,
  );
  md.push('', '## Performance goals in this run', '');
  md.push(mdTable(['goal', 'measured (medians)', 'paired ratio (p25–p75)', 'verdict'], goals));
  md.push('', '## Figures');
  for (const [key, title, method] of sections) {
    const rs = rows.filter((r) => r.section === key);
    if (!rs.length) continue;
    md.push('', `### ${title}`, '', mdTable(HEAD, rs.map(cells)));
    if (method && methods[method]) md.push('', `How: ${methods[method]}`);
  }
  md.push(
    '',
    "Ratio = median ÷ median of the baseline from the same rounds. Paired ratio = the median (and quartiles) of each round's own ratio, which shows how much the load moved it.",
  );
  if (notes.length) md.push('', '## Notes from this run', '', ...notes.map((n) => `- ${n}`));
  if (extra) md.push('', extra);
  md.push('');
  writeFileSync(path, md.join('\n'));
  return `${textTable(
    HEAD.slice(0, 8),
    rows.map((r) => cells(r).slice(0, 8)),
  )}\n\nPerformance goals:\n${textTable(['goal', 'measured', 'paired', 'verdict'], goals)}\n${notes.length ? `\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}\nwritten: ${relative(process.cwd(), path) || path}`;
}
