// A task's whole record as the detail view shows it: label and value lines, plain data
// in, plain data out (the dashboard reads the restart chain and the history for it).
import { formatLimit, formatQueueReason } from './queue.js';
import { describeEnd, elapsedSeconds, formatEta, formatExecutor, formatPercent, formatTaskStatus, currentEta } from './task-view.js';
import { containmentLine, resourcesLine } from './resources.js';
import { shellLine } from './shell.js';
import { slurmRun } from './slurm.js';
import { gateName } from './gate.js';
import { describeBudget, describeSpend, expectedCost, formatUsd } from './spend.js';
import { isFinal, needsInput, workerOf, type SlurmRun, type Task } from './task.js';
import { printable } from './terminal-text.js';
import { formatAgo, formatDuration } from './units.js';

export interface DetailLine {
  label: string;
  value: string;
  /** A heading of its own (stages), or a line under one. */
  kind?: 'heading' | 'item';
  /** A status word, for colour. */
  status?: Task['status'];
}

export interface DetailContext {
  now: number;
  /** Ids of the tasks this one restarts, nearest first (restartOf, its restartOf, ...). */
  restartChain: string[];
  /** Durations (ms) of earlier completed runs of the same job, oldest first: what a history ETA used. */
  history: number[];
  /** What earlier completed runs of the same job cost (USD, oldest first): the expected cost. */
  costs?: number[];
  /** The time zone of absolute times (tests fix it; the dashboard shows local time). */
  timeZone?: string;
}

/** `2026-11-27 03:24:42 (3m ago)`; `-` when not set. */
export function formatWhen(iso: string | null | undefined, now: number, timeZone?: string): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return printable(iso);
  return `${formatAbsolute(t, timeZone)} (${formatAgo(t, now)})`;
}

function formatAbsolute(ms: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

type StageStateWord = 'done' | 'running' | 'failed' | 'stopped' | 'waiting' | 'skipped';

/** What became of each stage, from where the task got to and how it ended. */
function stageState(task: Task, index: number): StageStateWord {
  const at = task.stage?.index ?? (task.status === 'completed' ? Infinity : -1);
  if (task.status === 'completed' || index < at) return 'done';
  if (index > at) return isFinal(task.status) ? 'skipped' : 'waiting';
  if (task.status === 'running') return 'running';
  if (task.status === 'failed') return 'failed';
  if (task.status === 'queued') return 'waiting';
  return 'stopped';
}

/** Where the ETA comes from, with what it used. */
function etaSourceLine(task: Task, ctx: DetailContext): string {
  const eta = currentEta(task, ctx.now);
  const src = task.progress?.etaSource;
  const runs = ctx.history.map((ms) => formatDuration(ms / 1000)).join(', ');
  const history = ctx.history.length ? `history: median of the last ${ctx.history.length} completed run(s) (${runs})` : null;
  if (task.status !== 'running') {
    const why = isFinal(task.status) ? 'ended' : 'not started';
    return `none now (${why}); ${history ?? 'no completed runs yet'}`;
  }
  if (eta === null) return history ? `unknown for now; ${history}` : 'unknown: no progress markers yet and no completed runs';
  const shown = formatEta(eta);
  if (src === 'markers') return `${shown} from the rate of the progress markers so far`;
  if (src === 'blend') {
    const weight = Math.round(Math.min(100, Math.max(0, task.progress?.percent ?? 0)));
    return `${shown}: the rate of the progress markers (${weight} %) and ${history ?? 'earlier runs'} (${100 - weight} %)`;
  }
  return `${shown} from ${history ?? 'earlier runs'}`;
}

/** How the command ended: its exit code or signal, or why it has none. */
function exitLine(task: Task): string {
  if (!isFinal(task.status)) return '-';
  const end = describeEnd({ exitCode: task.exitCode, signal: task.signal });
  if (end) return end;
  // No command group was ever recorded: nothing ran (not found, a worktree that could not be made, cancelled while queued).
  if (!task.commandPid) return 'none: the command did not start';
  if (task.status === 'failed') return 'none: its last step did not start';
  return 'no exit code (the command did not end by itself)';
}

/** `4211 on node3 · RUNNING`, `4212 · PENDING: Resources`: the job, and what Slurm says of it when it was asked. */
function slurmJobLine(job: SlurmRun): string {
  const where = job.node ? ` on ${printable(job.node)}` : '';
  const state = job.state ? ` · ${printable(job.state)}${job.reason ? `: ${printable(job.reason)}` : ''}` : '';
  return `${job.jobId}${where}${state}`;
}

/** `12m05s of 1h00m used, 47m55s left`: Slurm's count of its run (time suspended left out) against its limit. */
function limitLine(task: Task, limit: number, now: number): string {
  const used = slurmRun(task)?.timeUsed ?? (task.status === 'running' ? elapsedSeconds(task, now) : 0) ?? 0;
  const left = limit - used;
  return `${formatDuration(used)} of ${formatDuration(limit)} used, ${left > 0 ? `${formatDuration(left)} left` : 'limit reached'}`;
}

/** The queue's controls of a task, where it has them: dependencies, why it waits, priority, timeout, attempts. */
function queueLines(task: Task): [string, string][] {
  const lines: [string, string][] = [];
  if (task.after?.length) lines.push(['after', task.after.join(', ')]);
  if (task.status === 'queued' && task.queueReason)
    lines.push(['waiting', formatQueueReason(task.queueReason, printable(task.project)).replace(/^⧗ /, '')]);
  if (task.priority) lines.push(['priority', String(task.priority)]);
  if (task.timeout) lines.push(['timeout', `${formatLimit(task.timeout)}${task.timedOut ? ' · reached' : ''}`]);
  if ((task.attempts ?? 1) > 1) {
    const delay = task.retryDelay === 'exp' ? 'exponential delay' : task.retryDelay ? `${formatLimit(task.retryDelay)} apart` : 'no delay';
    lines.push(['attempt', `${task.attempt ?? 1} of ${task.attempts} (${delay}${task.retryOnTimeout ? ', timeouts retried' : ''})`]);
  }
  return lines;
}

/** Every line of the detail view, in order. */
export function detailLines(task: Task, ctx: DetailContext): DetailLine[] {
  const lines: DetailLine[] = [];
  const add = (label: string, value: string, extra: Partial<DetailLine> = {}) => lines.push({ label, value, ...extra });
  add('id', task.id);
  add('status', formatTaskStatus(task), { status: task.status });
  add('project', printable(task.project));
  add('description', printable(task.description));
  add('executor', printable(formatExecutor(task)));
  // A pasted script's newlines show as ⏎ (printable would make them spaces: another command).
  if (task.tty) {
    const open = task.status === 'running' ? `dev-tools attach ${task.id} (t), dev-tools send ${task.id} <text>` : 'closed';
    add('terminal', needsInput(task) ? `waits for input: ${open}` : open);
  }
  if (task.command) add('command', printable(shellLine(task.command).replace(/\n/g, '⏎')));
  add('cwd', printable(task.cwd));
  const envKeys = Object.keys(task.env ?? {}).sort();
  add('env', envKeys.length ? `${envKeys.map(printable).join(', ')} (values hidden)` : '-');
  add('created', formatWhen(task.createdAt, ctx.now, ctx.timeZone));
  add('started', formatWhen(task.startedAt, ctx.now, ctx.timeZone));
  add('ended', formatWhen(task.completedAt, ctx.now, ctx.timeZone));
  add('duration', formatDuration(elapsedSeconds(task, ctx.now)) + (task.status === 'running' ? ' so far' : ''));
  add('exit', exitLine(task));
  for (const [label, value] of queueLines(task)) add(label, value);
  if (task.error) add('error', printable(task.error));
  const pct = task.progress?.percent;
  add(
    'progress',
    pct === null || pct === undefined
      ? '-'
      : `${formatPercent(pct)}${task.progress?.message ? ` · ${printable(task.progress.message)}` : ''}`,
  );
  add('eta', etaSourceLine(task, ctx));
  if (task.status === 'waiting' && task.gate) {
    add(
      'waiting',
      `for ${printable(task.waitingFor ?? 'approval')} before ${printable(gateName(task.gate))} · since ${formatWhen(task.gate.since, ctx.now, ctx.timeZone)}`,
      {
        status: 'waiting',
      },
    );
  }
  const expected = expectedCost(ctx.costs ?? []) ?? task.expectedCostUsd ?? null;
  if (task.spend || task.budget || expected !== null) {
    add('spend', describeSpend(task.spend));
    if (task.budget) add('budget', describeBudget(task.budget));
    const runs = ctx.costs?.length ?? 0;
    const from = runs ? ` (the median of ${runs} earlier run${runs === 1 ? '' : 's'})` : '';
    if (expected !== null) add('expected', `~${formatUsd(expected)}${from}`);
  }
  if (task.stages?.length) {
    add('stages', `${task.stages.length}`, { kind: 'heading' });
    task.stages.forEach((s, i) => {
      const state = stageState(task, i);
      const phase = state === 'running' && task.stage?.phase ? ` · ${printable(task.stage.phase)}` : '';
      add(`${i + 1}. ${printable(s.name)}`, `${state}${phase} · ${printable(s.run)}`, { kind: 'item' });
    });
  }
  // The chain as far as it could be read; at least the task's own restartOf.
  const chain = ctx.restartChain.length ? ctx.restartChain : task.restartOf ? [task.restartOf] : [];
  add('restart of', chain.length ? chain.join(' ← ') : '-');
  add('resources', resourcesLine(task));
  if (task.containment) add('containment', containmentLine(task));
  const worker = workerOf(task).pid;
  if (worker) add('worker pid', `${worker}${task.commandPid ? ` · command group ${task.commandPid}` : ''}`);
  const job = slurmRun(task);
  if (job?.jobId) add('slurm job', slurmJobLine(job));
  const limit = job?.timeLimit;
  if (limit && !isFinal(task.status)) add('time limit', limitLine(task, limit, ctx.now));
  if (job?.sbatchArgs?.length) add('sbatch args', printable(shellLine(job.sbatchArgs)));
  add('log', printable(task.logFile));
  return lines;
}
