import { Box, Text } from 'ink';
import { memo, useMemo, useRef } from 'react';
import { fit, layoutColumns } from '../src/core/table.js';
import { dashboardColumns, taskAgoTexts } from '../src/core/task-view.js';
import { isBroken, type Task, type TaskEntry } from '../src/core/task.js';
import { GAP, MARK, NO_MARK, TaskRow } from './TaskRow.js';

interface TaskTableProps {
  entries: TaskEntry[];
  selected: number;
  /** Ids of the rows marked with space. */
  marked?: ReadonlySet<string>;
  width: number;
  /** Lines available, the header line included. */
  height: number;
  now: number;
  /** Shown when there are no entries. */
  emptyText?: string;
}

/** First row to draw so the selection stays in view, roughly centred. */
export function windowStart(selected: number, count: number, visible: number): number {
  if (count <= visible) return 0;
  const start = selected - Math.floor(visible / 2);
  return Math.max(0, Math.min(start, count - visible));
}

/** The task table: the same columns and cells as `status`, only the rows that fit. */
export const TaskTable = memo(function TaskTable({
  entries,
  selected,
  marked,
  width,
  height,
  now,
  emptyText = 'no tasks',
}: TaskTableProps) {
  const visible = Math.max(0, height - 1);
  const start = windowStart(selected, entries.length, visible);
  const rows = entries.slice(start, start + visible);
  // Sized to the rows in view. The same layout object while the columns and their sizes stay
  // (rows are memoized on it): they change when a task of a longer project or another status comes into view.
  const columns = dashboardColumns(rows, width - MARK.length, GAP);
  const columnKeys = columns.map((c) => `${c.key}:${c.width}:${c.min}`).join(' ');
  const layout = useMemo(() => layoutColumns(columns, width - MARK.length, GAP), [width, columnKeys]);
  // Other rows' cells move only with STARTED/ENDED (`3m ago`): such a row renders when its text changes, not with each tick.
  const times = columns.some((c) => c.key === 'started');
  const clocks = useRef(new Map<string, { texts: string; now: number }>());
  const rowClock = (task: Task): number => {
    if (!times) return 0;
    const texts = taskAgoTexts(task, now);
    const last = clocks.current.get(task.id);
    if (last?.texts === texts) return last.now;
    clocks.current.set(task.id, { texts, now });
    return now;
  };
  if (clocks.current.size > 1000) clocks.current.clear();
  const header = layout.map(({ column, width: w }) => fit(column.header, w, column.align)).join(' '.repeat(GAP));

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
      {rows.map((entry, i) => (
        <TaskRow
          key={entry.id}
          entry={entry}
          selected={start + i === selected}
          marked={marked?.has(entry.id) ?? false}
          layout={layout}
          width={width}
          now={isBroken(entry) ? 0 : entry.status === 'running' ? now : rowClock(entry)}
        />
      ))}
    </Box>
  );
});
