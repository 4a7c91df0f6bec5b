import { cellWidth, sliceCells } from './cell-width.js';
import type { Task, TaskStatus } from './task.js';
import { printable } from './terminal-text.js';

/** 3s, 4m05s, 2h03m, 3d04h. Unknown stays unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  const d = Math.floor(h / 24);
  return `${d}d${String(h % 24).padStart(2, '0')}h`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

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

export const STATUS_SYMBOLS: Record<TaskStatus, string> = {
  queued: '…',
  running: '▶',
  completed: '✔',
  failed: '✖',
  cancelled: '■',
  interrupted: '!',
};

export const STATUS_COLORS: Record<TaskStatus, string> = {
  queued: 'gray',
  running: 'cyan',
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

export function formatStage(task: Pick<Task, 'stage'>): string {
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

/** Seconds the task has run (to now if still running). */
export function elapsedSeconds(task: Pick<Task, 'startedAt' | 'claimedAt' | 'completedAt'>, now: number): number | null {
  const start = ms(task.startedAt) ?? ms(task.claimedAt);
  if (start === null) return null;
  const end = ms(task.completedAt) ?? now;
  return Math.max(0, (end - start) / 1000);
}

/** The ETA as of now: the stored estimate counts down from when it was written. */
export function currentEta(task: Pick<Task, 'status' | 'progress'>, now: number): number | null {
  if (task.status !== 'running') return null;
  const eta = task.progress?.etaSeconds;
  if (eta === null || eta === undefined || !(eta > 0)) return null;
  const at = ms(task.progress?.updatedAt);
  const left = at === null ? eta : eta - (now - at) / 1000;
  return left >= 1 ? Math.round(left) : null;
}

export interface Column {
  key: string;
  header: string;
  /** Smallest width the column is useful at. */
  min: number;
  /** Wanted width; flexible columns (grow) take what is left. */
  width?: number;
  grow?: boolean;
  align?: 'left' | 'right';
  /** Dropped (in this order, highest first) when the terminal is too narrow. */
  dropPriority?: number;
}

/** The task columns, shared by `status` and the dashboard. */
export const TASK_COLUMNS: Column[] = [
  { key: 'id', header: 'ID', min: 8, width: 8 },
  { key: 'project', header: 'PROJECT', min: 6, width: 12 },
  { key: 'status', header: 'STATUS', min: 11, width: 13 },
  { key: 'stage', header: 'STAGE', min: 6, width: 16, grow: true, dropPriority: 3 },
  { key: 'progress', header: 'PROGRESS', min: 10, width: 18, dropPriority: 2 },
  { key: 'eta', header: 'ETA', min: 6, width: 6, align: 'right', dropPriority: 5 },
  { key: 'elapsed', header: 'ELAPSED', min: 7, width: 7, align: 'right', dropPriority: 4 },
  // Dropped last: without it, rows can only be told apart by id.
  { key: 'description', header: 'DESCRIPTION', min: 12, width: 24, grow: true, dropPriority: 1 },
];

export type TaskCells = Record<string, string>;

export function taskCells(task: Task, now: number, progressWidth = 18): TaskCells {
  const pct = task.progress?.percent ?? null;
  const pctText = formatPercent(pct).padStart(4);
  const barWidth = Math.max(3, progressWidth - 5);
  return {
    id: task.id,
    project: printable(task.project),
    status: formatStatus(task.status),
    stage: printable(formatStage(task)),
    progress: pct === null ? '-' : `${progressBar(pct, barWidth)} ${pctText}`,
    eta: formatDuration(currentEta(task, now)),
    elapsed: formatDuration(elapsedSeconds(task, now)),
    description: printable(task.description),
  };
}

/** Fits columns into `total` characters: drops optional columns, then shrinks growing ones. */
export function layoutColumns(columns: Column[], total: number, gap = 2): { column: Column; width: number }[] {
  let cols = [...columns];
  const need = (cs: Column[]) => cs.reduce((s, c) => s + c.min, 0) + gap * (cs.length - 1);
  while (need(cols) > total) {
    const droppable = cols.filter((c) => c.dropPriority !== undefined);
    if (droppable.length === 0) break;
    const drop = droppable.reduce((a, b) => ((a.dropPriority ?? 0) >= (b.dropPriority ?? 0) ? a : b));
    cols = cols.filter((c) => c !== drop);
  }
  const widths = cols.map((c) => c.width ?? c.min);
  let used = widths.reduce((s, w) => s + w, 0) + gap * (cols.length - 1);
  // Too wide: shrink toward minimums, the growing columns first (the last one first), then the first to drop.
  const rank = (i: number) => (cols[i]!.grow ? 1000 + i : (cols[i]!.dropPriority ?? -1));
  const order = cols.map((_, i) => i).sort((a, b) => rank(b) - rank(a));
  for (const i of order) {
    if (used <= total) break;
    const can = widths[i]! - cols[i]!.min;
    const take = Math.min(can, used - total);
    widths[i]! -= take;
    used -= take;
  }
  // Room to spare: the last growing column takes it.
  if (used < total) {
    const growIdx = cols.map((c, i) => (c.grow ? i : -1)).filter((i) => i >= 0);
    const last = growIdx[growIdx.length - 1];
    if (last !== undefined) widths[last]! += total - used;
  }
  return cols.map((column, i) => ({ column, width: widths[i]! }));
}

/** Cuts or pads to exactly `width` terminal cells (wide characters count two; ellipsis when cut). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  let w = cellWidth(text);
  if (w > width) {
    // A wide character that does not fit whole leaves a cell short: the padding fills it.
    const cut = sliceCells(text, Math.max(0, width - 1));
    text = width <= 1 ? sliceCells(text, width).text : `${cut.text}…`;
    w = width <= 1 ? cellWidth(text) : cut.width + 1;
  }
  const pad = ' '.repeat(Math.max(0, width - w));
  return align === 'right' ? pad + text : text + pad;
}

/**
 * A text table that fits `width`. `decorate` may wrap a fitted cell (e.g. in colour
 * codes) after the layout is done, so widths stay right.
 */
export function renderTable(
  columns: Column[],
  rows: TaskCells[],
  width: number,
  decorate?: (key: string, text: string, rowIndex: number) => string,
  gap = 2,
): string[] {
  const layout = layoutColumns(columns, width, gap);
  const sep = ' '.repeat(gap);
  const header = layout.map(({ column, width: w }) => fit(column.header, w, column.align)).join(sep).trimEnd();
  const body = rows.map((r, i) => {
    const cells = layout.map(({ column, width: w }) => fit(r[column.key] ?? '', w, column.align));
    // Trim the padding of the last cell before decorating, so no trailing blanks.
    cells[cells.length - 1] = cells[cells.length - 1]!.trimEnd();
    return layout.map(({ column }, j) => (decorate ? decorate(column.key, cells[j]!, i) : cells[j]!)).join(sep);
  });
  return [header, ...body];
}
