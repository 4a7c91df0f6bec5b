import { Box, Text } from 'ink';
import { useState } from 'react';
import { STATUS_COLORS } from '../src/core/task-view.js';
import { detailLines, type DetailContext } from '../src/core/task-detail.js';
import { fit } from '../src/core/table.js';
import type { Task } from '../src/core/task.js';
import { Action, actionFor } from './keymap.js';
import { useColor } from './useColor.js';
import { useModeInput } from './useModeKeys.js';

interface TaskDetailProps {
  task: Task;
  context: DetailContext;
  width: number;
  /** Lines available, the title included. */
  height: number;
  onBack: () => void;
  /** Keys of the detail view that act outside it (pager, copy, help, a gate's plan pane and answers). */
  onAction?: (action: Action) => void;
  isActive?: boolean;
}

const LABEL_CELLS = 12;

/** A task's whole record: what runs, where, when, how it ended, and where its ETA comes from. */
export function TaskDetail({ task, context, width, height, onBack, onAction, isActive = true }: TaskDetailProps) {
  const paint = useColor();
  const lines = detailLines(task, context);
  const room = Math.max(1, height - 1);
  const maxTop = Math.max(0, lines.length - room);
  const [top, setTop] = useState(0);
  const first = Math.min(top, maxTop);

  useModeInput(
    'detail',
    (input, key) => {
      const move = (by: number) => setTop((t) => Math.max(0, Math.min(maxTop, Math.min(t, maxTop) + by)));
      const action = actionFor('detail', input, key);
      switch (action) {
        case Action.LineUp:
          return move(-1);
        case Action.LineDown:
          return move(1);
        case Action.PageUp:
          return move(-room);
        case Action.PageDown:
          return move(room);
        case Action.Back:
          return onBack();
        case Action.OpenPager:
        case Action.CopyId:
        case Action.Help:
        case Action.FocusLog:
        case Action.Approve:
        case Action.Reject:
          return onAction?.(action);
        default:
          return undefined;
      }
    },
    isActive,
  );

  const shown = lines.slice(first, first + room);
  const where = lines.length > room ? ` · lines ${first + 1}-${first + shown.length} of ${lines.length}` : '';
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate">
        <Text color={paint('blue')}>▌ detail </Text>
        {task.id}
        <Text dimColor>{where}</Text>
      </Text>
      {shown.map((l, i) => (
        <Text key={first + i} wrap="truncate">
          <Text bold={l.kind === 'heading'} dimColor={l.kind !== 'heading'}>
            {fit(
              l.kind === 'item' ? `  ${l.label}` : l.label,
              Math.min(LABEL_CELLS + (l.kind === 'item' ? 8 : 0), Math.max(4, width - 10)),
            )}
          </Text>{' '}
          <Text color={l.status ? paint(STATUS_COLORS[l.status]) : undefined}>{l.value}</Text>
        </Text>
      ))}
    </Box>
  );
}
