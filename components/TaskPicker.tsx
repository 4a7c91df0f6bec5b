import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { formatStatus } from '../src/core/task-view.js';
import { printable } from '../src/core/terminal-text.js';
import type { Task } from '../src/core/task.js';
import { ChoiceList } from './ChoiceList.js';
import { splitKeys } from './key-events.js';
import { Action, actionIn, footerHints, PICKER_KEYS } from './keymap.js';
import { useChoice } from './useChoice.js';
import { useTerminalSize, type TerminalSize } from './useTerminalSize.js';

interface TaskPickerProps {
  /** In the order to show them (the caller sorts, as `status` does, by creation time). */
  tasks: Task[];
  title: string;
  onPick: (id: string | null) => void;
  /** Fixed size (tests); otherwise the terminal's. */
  size?: Partial<TerminalSize>;
}

// Title and footer, plus the line the terminal's cursor sits on below Ink's output.
const CHROME_ROWS = 3;

/**
 * A list of tasks to choose one from; Esc or q chooses none. It fits the terminal
 * (the list scrolls) and leaves nothing on screen once it is done.
 */
export function TaskPicker({ tasks, title, onPick, size }: TaskPickerProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(size);
  const choice = useChoice(tasks.map((t) => t.id));
  const live = useRef({ done: false }).current;
  const [done, setDone] = useState(false);
  const listHeight = Math.max(1, rows - CHROME_ROWS);

  // Exit after the empty frame is committed: Ink's last frame is then nothing.
  useEffect(() => {
    if (done) exit();
  }, [done, exit]);

  const finish = (id: string | null) => {
    if (live.done) return;
    live.done = true;
    onPick(id);
    setDone(true);
  };

  useInput((input, key) => {
    for (const event of splitKeys(input, key)) {
      if (live.done) return;
      switch (actionIn(PICKER_KEYS, event.input, event.key)) {
        case Action.Up:
          choice.move(-1);
          break;
        case Action.Down:
          choice.move(1);
          break;
        case Action.PageUp:
          choice.move(-Math.max(1, listHeight - 1));
          break;
        case Action.PageDown:
          choice.move(Math.max(1, listHeight - 1));
          break;
        case Action.Submit:
          finish(choice.key());
          break;
        case Action.Back:
          finish(null);
          break;
        default:
          break;
      }
    }
  });

  if (done) return null;
  const items = tasks.map((t) => ({
    key: t.id,
    label: `${t.id}  ${printable(t.project)}  ${formatStatus(t.status)}  ${printable(t.description)}`,
  }));
  const where = tasks.length > listHeight ? ` (${choice.index + 1}/${tasks.length})` : '';
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold wrap="truncate">
        {title}
        <Text dimColor>{where}</Text>
      </Text>
      <ChoiceList items={items} selected={choice.index} height={listHeight} width={columns} />
      <Text dimColor wrap="truncate">
        {footerHints(PICKER_KEYS)
          .map((h) => `${h.keys} ${h.hint}`)
          .join(' · ')}
      </Text>
    </Box>
  );
}
