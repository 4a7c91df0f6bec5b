import { Box, Text } from 'ink';
import { fit, layoutColumns } from '../src/core/table.js';
import { dashboardColumns, STATUS_COLORS, taskCells } from '../src/core/task-view.js';
import { printable } from '../src/core/terminal-text.js';
import { isBroken, type TaskEntry } from '../src/core/task.js';
import { useColor } from './useColor.js';

interface TaskTableProps {
  entries: TaskEntry[];
  selected: number;
  width: number;
  /** Lines available, the header line included. */
  height: number;
  now: number;
  /** Shown when there are no entries. */
  emptyText?: string;
}

const GAP = 2;
// A marker column, so the selection shows even where inverse video does not (no colour support).
const MARK = '› ';
const NO_MARK = '  ';

/** First row to draw so the selection stays in view, roughly centred. */
export function windowStart(selected: number, count: number, visible: number): number {
  if (count <= visible) return 0;
  const start = selected - Math.floor(visible / 2);
  return Math.max(0, Math.min(start, count - visible));
}

/** The task table: the same columns and cells as `status`, only the rows that fit. */
export function TaskTable({ entries, selected, width, height, now, emptyText = 'no tasks' }: TaskTableProps) {
  const paint = useColor();
  const layout = layoutColumns(dashboardColumns(entries, width - MARK.length, GAP), width - MARK.length, GAP);
  const sep = ' '.repeat(GAP);
  const progressWidth = layout.find((l) => l.column.key === 'progress')?.width;
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, entries.length, visible);
  const rows = entries.slice(start, start + visible);
  const header = layout.map(({ column, width: w }) => fit(column.header, w, column.align)).join(sep);

  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate">
        {NO_MARK}
        {header}
      </Text>
      {entries.length === 0 ? (
        <Text dimColor wrap="truncate">
          {NO_MARK}
          {emptyText}
        </Text>
      ) : null}
      {rows.map((entry, i) => {
        const isSelected = start + i === selected;
        if (isBroken(entry)) {
          const idWidth = layout[0]?.width ?? 8;
          const rest = Math.max(0, width - MARK.length - idWidth - GAP);
          return (
            <Text key={entry.id} inverse={isSelected} wrap="truncate">
              {isSelected ? MARK : NO_MARK}
              {fit(entry.id, idWidth)}
              {sep}
              <Text color={paint('red')}>{fit(printable(`✖ broken task file: ${entry.error}`), rest)}</Text>
            </Text>
          );
        }
        const cells = taskCells(entry, now, progressWidth);
        // One Text per cell, not one per row: Ink measures each Text's width, and a
        // string with any non-ASCII character (the status icon, the mark) takes
        // string-width's slow path over its whole length, some 700 times the ASCII cost.
        return (
          <Box key={entry.id} height={1}>
            <Text inverse={isSelected}>{isSelected ? MARK : NO_MARK}</Text>
            {layout.map(({ column, width: w }, ci) => (
              <Text key={column.key} inverse={isSelected} color={column.key === 'status' ? paint(STATUS_COLORS[entry.status]) : undefined}>
                {fit(cells[column.key] ?? '', w, column.align) + (ci < layout.length - 1 ? sep : '')}
              </Text>
            ))}
          </Box>
        );
      })}
    </Box>
  );
}
