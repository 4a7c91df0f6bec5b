// A text table laid out in terminal cells: `status` prints it, the dashboard draws it.
import { cellWidth, sliceCells } from './cell-width.js';

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
  /**
   * Cells this column keeps while other columns can still be dropped: they go before it
   * gets less (the description: rows told apart by what they are, not by id).
   */
  reserve?: number;
  /** Where it first stops shrinking when space is short (a progress bar keeps a small bar); `min` only after every other column. */
  soft?: number;
  /** When space is short, columns with a higher `shrink` give up cells first (default: growing ones, then by drop priority). */
  shrink?: number;
  /** A shorter form of a cell that does not fit whole (`✔ completed` → `✔ done`). */
  short?: (text: string) => string;
}

/** A cell's text in a column of `width` cells: its shorter form when it does not fit, cut or padded to exactly `width`. */
export function cellText(column: Column, text: string, width: number): string {
  const shown = column.short && cellWidth(text) > width ? column.short(text) : text;
  return fit(shown, width, column.align);
}

/** One row: a cell's text by column key. */
export type Cells = Record<string, string>;

/**
 * Fits columns into `total` cells. Optional columns go (highest drop priority first)
 * while a column with a reserve would get less than it; then, if even the minimums do
 * not fit, any of them. What is left shrinks toward soft minimums, then minimums; room
 * to spare goes to the last growing column.
 */
export function layoutColumns(columns: Column[], total: number, gap = 2): { column: Column; width: number }[] {
  let cols = [...columns];
  const need = (floor: (c: Column) => number) => cols.reduce((s, c) => s + floor(c), 0) + gap * (cols.length - 1);
  const dropOne = (may: (c: Column) => boolean): boolean => {
    const droppable = cols.filter((c) => c.dropPriority !== undefined && may(c));
    if (droppable.length === 0) return false;
    const drop = droppable.reduce((a, b) => ((a.dropPriority ?? 0) >= (b.dropPriority ?? 0) ? a : b));
    cols = cols.filter((c) => c !== drop);
    return true;
  };
  while (need((c) => c.reserve ?? c.min) > total && dropOne((c) => c.reserve === undefined));
  while (need((c) => c.min) > total && dropOne(() => true));
  const widths = cols.map((c) => Math.max(c.min, c.width ?? c.min));
  let used = widths.reduce((s, w) => s + w, 0) + gap * (cols.length - 1);
  // Too wide: shrink, the first to give up cells first (growing columns, the last one first, then the first to drop).
  const rank = (i: number) => cols[i]!.shrink ?? (cols[i]!.grow ? 1000 + i : (cols[i]!.dropPriority ?? -1));
  const order = cols.map((_, i) => i).sort((a, b) => rank(b) - rank(a));
  for (const floor of [(c: Column) => Math.max(c.min, c.reserve ?? c.soft ?? c.min), (c: Column) => c.min]) {
    for (const i of order) {
      if (used <= total) break;
      const take = Math.min(Math.max(0, widths[i]! - floor(cols[i]!)), used - total);
      widths[i]! -= take;
      used -= take;
    }
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
  rows: Cells[],
  width: number,
  decorate?: (key: string, text: string, rowIndex: number) => string,
  gap = 2,
): string[] {
  const layout = layoutColumns(columns, width, gap);
  const sep = ' '.repeat(gap);
  const header = layout
    .map(({ column, width: w }) => fit(column.header, w, column.align))
    .join(sep)
    .trimEnd();
  const body = rows.map((r, i) => {
    const cells = layout.map(({ column, width: w }) => cellText(column, r[column.key] ?? '', w));
    // Trim the padding of the last cell before decorating, so no trailing blanks.
    cells[cells.length - 1] = cells[cells.length - 1]!.trimEnd();
    return layout.map(({ column }, j) => (decorate ? decorate(column.key, cells[j]!, i) : cells[j]!)).join(sep);
  });
  return [header, ...body];
}

/**
 * Lines of the dashboard's task table (its header line included) in a terminal of
 * `rows`: what the table needs, at most 45 % of the body (the log pane has the rest).
 */
export function dashboardTableHeight(rows: number, taskCount: number): number {
  const body = Math.max(1, rows - 1) - 3;
  return Math.max(2, Math.min(taskCount + 1, Math.floor(body * 0.45)));
}
