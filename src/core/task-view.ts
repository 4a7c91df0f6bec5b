// How a task reads on screen: its status, stage, progress, times and the table row
// that `status` and the dashboard share.
import { cellWidth } from './cell-width.js';
import { diffCell } from './diff.js';
import { formatQueueReason } from './queue.js';
import { cpuCell, memCell } from './resources.js';
import { isSuspended, pendingReason, slurmRun } from './slurm.js';
import { layoutColumns, renderTable, type Cells, type Column } from './table.js';
import { costCell, totalSpend } from './spend.js';
import {
  isBroken,
  isFinal,
  isLocal,
  jobOf,
  LOCAL_EXECUTOR,
  needsInput,
  TASK_STATUSES,
  type Task,
  type TaskEntry,
  type TaskStatus,
} from './task.js';
import { printable } from './terminal-text.js';
import { agoChangesAt, formatAgo, formatDuration } from './units.js';

/** A text bar: [#####.....] — readable without colour. */
export function progressBar(percent: number | null | undefined, width: number): string {
  const inner = Math.max(1, width - 2);
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return `[${' '.repeat(inner)}]`;
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * inner);
  return `[${'#'.repeat(filled)}${'.'.repeat(inner - filled)}]`;
}

export function formatPercent(percent: number | null | undefined): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return '-';
  return `${Math.floor(percent)}%`;
}

const STATUS_SYMBOLS: Record<TaskStatus, string> = {
  queued: '…',
  running: '▶',
  waiting: '◆',
  completed: '✔',
  failed: '✖',
  cancelled: '■',
  interrupted: '!',
};

export const STATUS_COLORS: Record<TaskStatus, string> = {
  queued: 'gray',
  running: 'cyan',
  waiting: 'blueBright',
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  interrupted: 'magenta',
};

/** How a task (or one of its steps) ended: exit code, signal, error; "" when nothing is known. */
export function describeEnd(t: { exitCode?: number | null; signal?: string | null; error?: string | null }): string {
  const parts: string[] = [];
  if (typeof t.exitCode === 'number') parts.push(`exit code ${t.exitCode}`);
  if (t.signal) parts.push(`killed by ${t.signal}`);
  if (t.error) parts.push(t.error);
  // The error and signal come from a task file: printed, so cleaned.
  return printable(parts.join(' · '));
}

export function formatStatus(status: TaskStatus): string {
  return `${STATUS_SYMBOLS[status]} ${status}`;
}

/** A running task whose terminal's program waits for its user: its STATUS cell, and its colour. */
export const INPUT_STATUS = '? input';
export const INPUT_COLOR = 'yellowBright';

/**
 * The STATUS cell: the task's status; `suspended` while Slurm holds its job stopped (it is
 * not running then); `input` while the program in its terminal waits for its user.
 */
export function formatTaskStatus(task: Pick<Task, 'status' | 'runsOn'> & Partial<Pick<Task, 'attention'>>): string {
  if (needsInput({ status: task.status, attention: task.attention })) return INPUT_STATUS;
  return isSuspended(task) ? '‖ suspended' : formatStatus(task.status);
}

/** The colour of a task's STATUS cell. */
export function statusColor(task: Pick<Task, 'status'> & Partial<Pick<Task, 'attention'>>): string {
  return needsInput({ status: task.status, attention: task.attention }) ? INPUT_COLOR : STATUS_COLORS[task.status];
}

/** The status words a narrow table shows (`✔ done`); the filter knows them too. */
export const SHORT_STATUS_WORDS: Record<TaskStatus, string> = {
  queued: 'queued',
  running: 'running',
  waiting: 'waiting',
  completed: 'done',
  failed: 'failed',
  cancelled: 'stopped',
  interrupted: 'lost',
};

export function formatStatusShort(status: TaskStatus): string {
  return `${STATUS_SYMBOLS[status]} ${SHORT_STATUS_WORDS[status]}`;
}

const SHORT_LABELS = new Map(TASK_STATUSES.map((s) => [formatStatus(s), formatStatusShort(s)]));

function formatStage(task: Pick<Task, 'stage' | 'status' | 'runsOn' | 'queueReason' | 'project'>): string {
  if (task.status === 'queued' && task.queueReason) return formatQueueReason(task.queueReason, task.project);
  // In parentheses, as squeue's NODELIST(REASON) shows it.
  const pending = pendingReason(task);
  if (pending) return `(${pending})`;
  const st = task.stage;
  if (!st) return '-';
  const base = st.count > 1 ? `${st.index + 1}/${st.count} ${st.name}` : st.name;
  return st.phase ? `${base} · ${st.phase}` : base;
}

function ms(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** Seconds the task has run (to now if still running; a suspended job's clock stands still). */
export function elapsedSeconds(
  task: Pick<Task, 'startedAt' | 'claimedAt' | 'completedAt' | 'runsOn'> & Partial<Pick<Task, 'status' | 'ranMs' | 'gate'>>,
  now: number,
): number | null {
  // A task with a gate ran in parts: the time it waited for a person does not count.
  if (typeof task.ranMs === 'number') {
    if (task.status === 'waiting') return task.ranMs / 1000;
    const resumed = task.gate?.approvedAt ? (ms(task.claimedAt) ?? ms(task.gate.approvedAt)) : null;
    if (resumed !== null) return (task.ranMs + Math.max(0, (ms(task.completedAt) ?? now) - resumed)) / 1000;
  }
  const used = slurmRun(task)?.timeUsed;
  if (task.status && isSuspended({ status: task.status, runsOn: task.runsOn }) && typeof used === 'number') return used;
  // A job is claimed when it is submitted: it may wait in its cluster's queue long after.
  const start = ms(task.startedAt) ?? (jobOf(task) ? null : ms(task.claimedAt));
  if (start === null) return null;
  const end = ms(task.completedAt) ?? now;
  return Math.max(0, (end - start) / 1000);
}

/**
 * The ETA as of now, in whole seconds: the stored estimate counts down from when it was
 * written; 0 once it has run out while the task still works (shown `<1s`: any moment).
 */
export function currentEta(task: Pick<Task, 'status' | 'progress'> & Partial<Pick<Task, 'runsOn'>>, now: number): number | null {
  if (task.status !== 'running' || (task.runsOn && isSuspended({ status: task.status, runsOn: task.runsOn }))) return null;
  const eta = task.progress?.etaSeconds;
  if (eta === null || eta === undefined || !Number.isFinite(eta) || eta < 0) return null;
  if ((task.progress?.percent ?? 0) >= 100) return null;
  const at = ms(task.progress?.updatedAt);
  const left = at === null ? eta : eta - (now - at) / 1000;
  return left >= 1 ? Math.round(left) : 0;
}

/** `4m05s`; `<1s` when it is due any moment; `-` when unknown. */
export function formatEta(seconds: number | null): string {
  return seconds === 0 ? '<1s' : formatDuration(seconds);
}

/**
 * The task columns, shared by `status` and the dashboard, before they are sized to the
 * rows (taskColumns). When narrow, ELAPSED goes first, then STAGE, DIFF, ETA and the
 * progress bar; the description keeps 24 cells while any of them can go.
 */
export const TASK_COLUMNS: Column[] = [
  { key: 'id', header: 'ID', min: 8, width: 8 },
  { key: 'project', header: 'PROJECT', min: 7, width: 12 },
  // Its short words (done, stopped, lost) come before a project name is cut.
  { key: 'status', header: 'STATUS', min: 9, width: 13, shrink: 0, short: (text) => SHORT_LABELS.get(text) ?? text },
  // At 9 cells a stage reads (`2/3 build`); narrower, the column goes rather than shows a stage cut short.
  { key: 'stage', header: 'STAGE', min: 9, width: 16, grow: true, dropPriority: 5 },
  // The bar gives up cells first, down to a small bar; at its minimum only the percent shows.
  { key: 'progress', header: 'PROGRESS', min: 8, soft: 11, width: 18, dropPriority: 2, shrink: 2000 },
  { key: 'eta', header: 'ETA', min: 5, width: 5, align: 'right', dropPriority: 3 },
  { key: 'elapsed', header: 'ELAPSED', min: 7, width: 7, align: 'right', dropPriority: 6 },
  // Dropped last: without it, rows can only be told apart by id.
  { key: 'description', header: 'DESCRIPTION', min: 12, width: 24, reserve: 24, grow: true, dropPriority: 1 },
];

/** The dashboard's time columns (`status` keeps its table): when it started and ended, relative; ELAPSED is the duration. */
const TIME_COLUMNS: Column[] = [
  { key: 'started', header: 'STARTED', min: 8, width: 8, align: 'right', dropPriority: 7 },
  { key: 'ended', header: 'ENDED', min: 8, width: 8, align: 'right', dropPriority: 8 },
];

/** Where a task runs: `local`, or its executor, job and node (`hpc#4211@node3`; the node is known once it runs). */
export function formatExecutor(task: Pick<Task, 'executor' | 'runsOn'>): string {
  const name = task.executor ?? LOCAL_EXECUTOR;
  const job = jobOf(task);
  return `${name}${job?.jobId ? `#${job.jobId}` : ''}${job?.node ? `@${job.node}` : ''}`;
}

const EXECUTOR_COLUMN: Column = { key: 'executor', header: 'EXECUTOR', min: 12, width: 18, dropPriority: 3.5 };

const DIFF_COLUMN: Column = { key: 'diff', header: 'DIFF', min: 4, width: 14, align: 'right', dropPriority: 4.5 };

/** What a task spent (`::spend` markers): only when one of the rows spent something or has a budget. */
const COST_COLUMN: Column = { key: 'cost', header: 'COST', min: 4, width: 9, align: 'right', dropPriority: 4.2 };
// What running tasks use: dropped early (before the description gives up cells), MEM after CPU.
const CPU_COLUMN: Column = { key: 'cpu', header: 'CPU', min: 4, width: 5, align: 'right', dropPriority: 6.6 };
const MEM_COLUMN: Column = { key: 'mem', header: 'MEM', min: 5, width: 5, align: 'right', dropPriority: 6.5 };

/**
 * Columns shown only when a row has something for them, each placed after a column of
 * the base table (the first of `after` that is there): one entry each, so columns added
 * side by side do not touch each other's code.
 */
interface OptionalColumns {
  columns: Column[];
  after: string[];
  when: (task: Task) => boolean;
}

const OPTIONAL_COLUMNS: OptionalColumns[] = [
  { columns: [DIFF_COLUMN], after: ['elapsed'], when: (t) => !!(t.isolation || t.diff) },
  { columns: [COST_COLUMN], after: ['elapsed'], when: (t) => !!(t.spend || t.budget || t.expectedCostUsd) },
  { columns: [CPU_COLUMN, MEM_COLUMN], after: ['diff', 'elapsed'], when: (t) => t.status === 'running' && !!t.resources },
  { columns: [EXECUTOR_COLUMN], after: ['status'], when: (t) => !isLocal(t) },
];

/** The widest of these texts (and the header), in cells, between `min` and `max`. */
function widest(texts: Iterable<string>, header: string, min: number, max: number): number {
  let w = cellWidth(header);
  for (const t of texts) w = Math.max(w, cellWidth(t));
  return Math.max(min, Math.min(max, w));
}

/**
 * The columns sized to what these rows hold: a project as wide as the longest name, the
 * status as its words (shorter ones when narrow), the stage, progress and DIFF as what
 * they show. ID, the times and the description keep their widths.
 */
function sizedToRows(columns: Column[], tasks: readonly Task[]): Column[] {
  const size: Record<string, (c: Column) => Column> = {
    project: (c) => ({
      ...c,
      width: widest(
        tasks.map((t) => printable(t.project)),
        c.header,
        c.min,
        24,
      ),
    }),
    status: (c) => {
      const labels = new Set(tasks.map(formatTaskStatus));
      const full = widest(labels, c.header, 0, 16);
      const short = [...labels].map((l) => SHORT_LABELS.get(l) ?? l);
      return { ...c, width: full, min: Math.min(full, widest(short, c.header, 0, 16)) };
    },
    stage: (c) => {
      const w = widest(
        tasks.map((t) => printable(formatStage(t))),
        c.header,
        0,
        c.width ?? c.min,
      );
      return { ...c, width: w, min: Math.min(c.min, w) };
    },
    progress: (c) => (tasks.some((t) => t.progress?.percent != null) ? c : { ...c, width: c.min, soft: c.min }),
    // Neither is worth reading cut short: the column goes rather than shrinks.
    cost: (c) => {
      const w = widest(
        tasks.map((t) => costCell(t.spend, isFinal(t.status) ? null : t.expectedCostUsd)),
        c.header,
        c.min,
        c.width ?? c.min,
      );
      return { ...c, width: w, min: w };
    },
    diff: (c) => {
      const w = widest(tasks.map(diffCell), c.header, c.min, c.width ?? c.min);
      return { ...c, width: w, min: w };
    },
  };
  return columns.map((c) => size[c.key]?.(c) ?? c);
}

/**
 * The task columns for these rows, sized to them: EXECUTOR only when one of them does
 * not run here, DIFF only when one of them runs in a worktree, CPU and MEM only when
 * one of them runs and was measured (OPTIONAL_COLUMNS).
 */
export function taskColumns(entries: readonly TaskEntry[], opts: { times?: number } = {}): Column[] {
  const tasks = entries.filter((e): e is Task => !isBroken(e));
  return sizedToRows(columnsFor(entries, opts), tasks);
}

function columnsFor(entries: readonly TaskEntry[], opts: { times?: number }): Column[] {
  let columns = TASK_COLUMNS;
  if (opts.times) {
    // Before ELAPSED, so the three times read together: started, ended, how long.
    const at = columns.findIndex((c) => c.key === 'elapsed');
    columns = [...columns.slice(0, at), ...TIME_COLUMNS.slice(0, opts.times), ...columns.slice(at)];
  }
  for (const optional of OPTIONAL_COLUMNS) {
    if (!entries.some((e) => !isBroken(e) && optional.when(e))) continue;
    const key = optional.after.find((k) => columns.some((c) => c.key === k));
    const at = columns.findIndex((c) => c.key === key) + 1;
    columns = [...columns.slice(0, at), ...optional.columns, ...columns.slice(at)];
  }
  return columns;
}

/**
 * The dashboard's columns for a width, sized to the rows in view: STARTED, then ENDED
 * too, only where they fit without squeezing the progress bar and the other fixed columns
 * below their usual width (the stage may shrink to its minimum, the description to its reserve).
 */
export function dashboardColumns(entries: readonly TaskEntry[], width: number, gap: number): Column[] {
  const comfortable = (cs: Column[]) =>
    cs.reduce((sum, c) => sum + (c.grow ? (c.reserve ?? c.min) : (c.width ?? c.min)), 0) + gap * (cs.length - 1);
  for (let times = TIME_COLUMNS.length; times > 0; times--) {
    const columns = taskColumns(entries, { times });
    if (comfortable(columns) <= width) return columns;
  }
  return taskColumns(entries);
}

/**
 * The table of `status`, fitted to `width` (its header line first): the columns sized to
 * these tasks, the progress bar drawn for the width its column gets. `decorate` may wrap a
 * fitted cell (colour).
 */
export function taskTable(
  tasks: readonly Task[],
  now: number,
  width: number,
  decorate?: (key: string, text: string, rowIndex: number) => string,
): string[] {
  const columns = taskColumns(tasks);
  const progressWidth = layoutColumns(columns, width).find((l) => l.column.key === 'progress')?.width;
  return renderTable(
    columns,
    tasks.map((t) => taskCells(t, now, progressWidth)),
    width,
    decorate,
  );
}

/** Active tasks by where they run: local ones hold slots, the others wait in their cluster's queue. */
export function activeCounts(entries: readonly TaskEntry[]): {
  running: number;
  queued: number;
  remoteRunning: number;
  remoteQueued: number;
} {
  const counts = { running: 0, queued: 0, remoteRunning: 0, remoteQueued: 0 };
  for (const e of entries) {
    if (isBroken(e)) continue;
    const local = isLocal(e);
    if (e.status === 'running') counts[local ? 'running' : 'remoteRunning']++;
    else if (e.status === 'queued') counts[local ? 'queued' : 'remoteQueued']++;
  }
  return counts;
}

/** The dashboard table's gap between columns, and its marker column: the selection shows even where inverse video does not (no colour). */
export const GAP = 2;
export const MARK = '› ';
export const NO_MARK = '  ';

/** The dashboard header's counts, coloured: `running 3/10 · queued 2 · failed 1` (slots count local tasks; cluster ones apart). */
export function headerParts(
  entries: readonly TaskEntry[],
  maxParallel: number,
  /** The rows in view (filtered): their spend is summed. */
  visible: readonly TaskEntry[] = entries,
): { text: string; color?: string }[] {
  const counts = { broken: 0 } as Record<TaskStatus | 'broken', number>;
  for (const s of TASK_STATUSES) counts[s] = 0;
  for (const e of entries) counts[isBroken(e) ? 'broken' : e.status]++;
  const active = activeCounts(entries);
  counts.queued = active.queued;
  const parts: { text: string; color?: string }[] = [{ text: `running ${active.running}/${maxParallel}`, color: STATUS_COLORS.running }];
  for (const s of TASK_STATUSES) {
    if (s === 'running' || counts[s] === 0) continue;
    parts.push({ text: `${s} ${counts[s]}`, color: STATUS_COLORS[s] });
  }
  const waiting = entries.filter((e) => !isBroken(e) && needsInput(e)).length;
  if (waiting) parts.push({ text: `input ${waiting}`, color: INPUT_COLOR });
  if (active.remoteRunning + active.remoteQueued) {
    parts.push({ text: `on clusters ${active.remoteRunning} running, ${active.remoteQueued} pending`, color: STATUS_COLORS.running });
  }
  if (counts.broken) parts.push({ text: `broken ${counts.broken}`, color: 'red' });
  // What the tasks in view spent, together.
  const spent = totalSpend(visible.map((e) => (isBroken(e) ? null : e.spend)));
  if (spent) parts.push({ text: `spent ${costCell(spent)}` });
  return parts;
}

/** `running 3/10 · queued 2 · on clusters: 4 running, 96 pending`, as `status` ends its table. */
export function activeSummary(entries: readonly TaskEntry[], maxParallel: number): string {
  const c = activeCounts(entries);
  const remote = c.remoteRunning + c.remoteQueued ? ` · on clusters: ${c.remoteRunning} running, ${c.remoteQueued} pending` : '';
  const waiting = entries.filter((e) => !isBroken(e) && e.status === 'waiting').length;
  return `running ${c.running}/${maxParallel}${c.queued ? ` · queued ${c.queued}` : ''}${waiting ? ` · waiting ${waiting}` : ''}${remote}`;
}

function agoOf(iso: string | null | undefined, now: number): string {
  const t = ms(iso);
  return t === null ? '-' : formatAgo(t, now);
}

/** The relative times a task shows (STARTED, ENDED; `created` too in the detail view), as of `now`. */
export function taskAgoTexts(task: Task, now: number, created = false): string {
  return `${agoOf(task.startedAt, now)}|${agoOf(task.completedAt, now)}${created ? `|${agoOf(task.createdAt, now)}` : ''}`;
}

/**
 * The next moment (ms) one of these tasks' relative times reads differently; null when none
 * has one. A clock that ticks then keeps STARTED and ENDED right to the unit they show.
 */
export function nextAgoChange(entries: readonly TaskEntry[], now: number, created = false): number | null {
  let next: number | null = null;
  for (const e of entries) {
    if (isBroken(e)) continue;
    for (const iso of created ? [e.startedAt, e.completedAt, e.createdAt] : [e.startedAt, e.completedAt]) {
      const t = ms(iso);
      if (t === null) continue;
      const at = agoChangesAt(t, now);
      if (next === null || at < next) next = at;
    }
  }
  return next;
}

export function taskCells(task: Task, now: number, progressWidth = 18): Cells {
  const pct = task.progress?.percent ?? null;
  const pctText = formatPercent(pct).padStart(4);
  // Under 10 cells there is no room for a bar worth the name: the percent alone.
  const barWidth = progressWidth < 10 ? 0 : progressWidth - 5;
  return {
    id: task.id,
    project: printable(task.project),
    status: formatTaskStatus(task),
    executor: printable(formatExecutor(task)),
    stage: printable(formatStage(task)),
    progress: pct === null ? '-' : barWidth ? `${progressBar(pct, barWidth)} ${pctText}` : pctText,
    eta: formatEta(currentEta(task, now)),
    elapsed: formatDuration(elapsedSeconds(task, now)),
    diff: diffCell(task),
    cost: costCell(task.spend, isFinal(task.status) ? null : task.expectedCostUsd),
    cpu: cpuCell(task),
    mem: memCell(task),
    started: agoOf(task.startedAt, now),
    ended: agoOf(task.completedAt, now),
    description: printable(task.description),
  };
}

/** What a launch did, as data (the runner's LaunchResult has these fields). */
export interface LaunchOutcome {
  task: Task;
  started: boolean;
  /** The batch job a task on a cluster was submitted as. */
  jobId: string | null;
  /** The system such a task waits in (`Slurm`), as its executor names it; null for a local task. */
  job: { system: string } | null;
  /** 1-based place in the queue when the task waits. */
  queuePosition: number | null;
  running: number;
  max: number;
}

/**
 * Where a task just launched stands, in the words of the CLI and the dashboard alike:
 * `running 3/10`, `queued: 4/4 running, 2nd in line`, `submitted to Slurm as job 42:
 * queued until the job runs`.
 */
export function launchState(r: LaunchOutcome): string {
  if (r.job)
    return r.started
      ? `running on ${r.job.system}`
      : `submitted to ${r.job.system}${r.jobId ? ` as job ${r.jobId}` : ''}: queued until the job runs`;
  if (r.started) return `running ${r.running}/${r.max}`;
  return `queued: ${r.running}/${r.max} running${r.queuePosition ? `, ${ordinal(r.queuePosition)} in line` : ''}`;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
