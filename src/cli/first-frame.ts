// The dashboard's first picture, drawn by the CLI while Ink and React load (~100 ms
// more on this machine): the header and the task table, with the same cells and
// layout as the dashboard's, so the screen shows the tasks at `status` speed. The
// dashboard's first frame replaces it whole (runDashboard clears the screen with it).
import { cellText, dashboardTableHeight, fit, layoutColumns } from '../core/table.js';
import { dashboardColumns, GAP, headerParts, MARK, NO_MARK, STATUS_COLORS, taskCells } from '../core/task-view.js';
import { isBroken, type Task } from '../core/task.js';
import type { TaskStore } from '../store/tasks.js';
import { sortEntries } from '../store/task-file.js';
import { sortTasks } from '../core/task-sort.js';
import { paint } from './output.js';

/** The header and table lines of the dashboard's first frame, for a terminal of `columns` x `rows`. */
export function firstFrame(store: TaskStore, maxParallel: number, columns: number, rows: number, now = Date.now()): string {
  // In the dashboard's default order (waiting tasks first), so the first frame does not jump.
  const entries = sortTasks(sortEntries(store.listActive()), 'created', Date.now());
  const tasks = entries.filter((e): e is Task => !isBroken(e));
  const header =
    `${paint('bold', 'dev-tools ')}` +
    headerParts(entries, maxParallel)
      .map((p, i) => `${i > 0 ? ' · ' : ' '}${p.color ? paint(p.color, p.text) : p.text}`)
      .join('') +
    paint('dim', `   [active]${tasks.length > 0 ? `  1/${entries.length}` : ''}`);
  const lines = [header];
  // The rows the dashboard shows first (its selection on the first): the columns are sized to them.
  const visible = dashboardTableHeight(rows, entries.length) - 1;
  const inView = entries.slice(0, visible);
  const layout = layoutColumns(dashboardColumns(inView, columns - MARK.length, GAP), columns - MARK.length, GAP);
  const sep = ' '.repeat(GAP);
  lines.push(paint('bold', NO_MARK + layout.map(({ column, width }) => fit(column.header, width, column.align)).join(sep)));
  const progressWidth = layout.find((l) => l.column.key === 'progress')?.width;
  inView
    .filter((e): e is Task => !isBroken(e))
    .forEach((task, i) => {
      const cells = taskCells(task, now, progressWidth);
      const text = layout
        .map(({ column, width }) => {
          const cell = cellText(column, cells[column.key] ?? '', width);
          return column.key === 'status' ? paint(STATUS_COLORS[task.status], cell) : cell;
        })
        .join(sep);
      lines.push(i === 0 ? paint('inverse', MARK + text) : NO_MARK + text);
    });
  return lines.map((l) => `${l}\x1b[K`).join('\r\n');
}
