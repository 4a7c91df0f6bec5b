import { Text } from 'ink';
import { memo } from 'react';
import { cellText, fit, type Column } from '../src/core/table.js';
import { GAP, MARK, NO_MARK, statusColor, taskCells } from '../src/core/task-view.js';
import { printable } from '../src/core/terminal-text.js';
import { isBroken, type TaskEntry } from '../src/core/task.js';
import { useColor } from './useColor.js';

interface TaskRowProps {
  entry: TaskEntry;
  selected: boolean;
  layout: { column: Column; width: number }[];
  width: number;
  /** The clock, for a running task's elapsed time and ETA; 0 for the others (their cells do not move). */
  now: number;
  /** Marked with space: `c`, `r` act on every marked row. */
  marked?: boolean;
}

export { GAP, MARK, NO_MARK };
const SEP = ' '.repeat(GAP);

/**
 * One row of the task table. Memoized: a frame that changes two tasks renders two
 * rows, and a finished task's row (its clock is 0) never renders again.
 */
export const TaskRow = memo(function TaskRow({ entry, selected, layout, width, now, marked = false }: TaskRowProps) {
  const paint = useColor();
  // The mark column: the selection, and a dot on a marked row.
  const lead = marked ? `${selected ? MARK[0] : ' '}•` : selected ? MARK : NO_MARK;
  if (isBroken(entry)) {
    const idWidth = layout[0]?.width ?? 8;
    const rest = Math.max(0, width - MARK.length - idWidth - GAP);
    return (
      <Text inverse={selected} wrap="truncate">
        {lead}
        {fit(entry.id, idWidth)}
        {SEP}
        <Text color={paint('red')}>{fit(printable(`✖ broken task file: ${entry.error}`), rest)}</Text>
      </Text>
    );
  }
  const progressWidth = layout.find((l) => l.column.key === 'progress')?.width;
  const cells = taskCells(entry, now || Date.now(), progressWidth);
  // One Text per row, the status cell nested for its colour: Ink lays out and rasterizes
  // each Text of the tree on every frame, so ten per row cost ten times the work. (A row
  // with a wide character goes through string-width's slow path; the icons, marks and
  // dots do not: see the one-cell fast path in bin/build.mjs.)
  const texts = layout.map(
    ({ column, width: w }, ci) => cellText(column, cells[column.key] ?? '', w) + (ci < layout.length - 1 ? SEP : ''),
  );
  const at = layout.findIndex((l) => l.column.key === 'status');
  return (
    <Text inverse={selected} wrap="truncate">
      {lead + texts.slice(0, Math.max(0, at)).join('')}
      {at >= 0 ? <Text color={paint(statusColor(entry))}>{texts[at]}</Text> : null}
      {at >= 0 ? texts.slice(at + 1).join('') : ''}
    </Text>
  );
});
