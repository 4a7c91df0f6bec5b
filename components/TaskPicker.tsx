import { Box, Text, useApp, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import { formatStatus } from '../src/core/format.js';
import { printable } from '../src/core/text.js';
import type { Task } from '../src/core/task.js';
import { Action, bindingLabel, matches, PICKER_KEYS } from './keymap.js';

export interface TaskPickerProps {
  tasks: Task[];
  title: string;
  onPick: (id: string | null) => void;
}

/** A list of tasks to choose one from; Esc or q chooses none. */
export function TaskPicker({ tasks, title, onPick }: TaskPickerProps) {
  const { exit } = useApp();
  const done = (id: string | null) => {
    onPick(id);
    exit();
  };
  useInput((input, key) => {
    const back = PICKER_KEYS.find((b) => b.action === Action.Back)!;
    if (back.keys.some((spec) => matches(spec, input, key))) done(null);
  });
  const items = tasks.map((t) => ({
    key: t.id,
    value: t.id,
    label: `${t.id}  ${printable(t.project)}  ${formatStatus(t.status)}  ${printable(t.description).slice(0, 50)}`,
  }));
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      <SelectInput items={items} onSelect={(item) => done(item.value)} />
      <Text dimColor>{PICKER_KEYS.map((b) => `${bindingLabel(b)} ${b.hint}`).join(' · ')}</Text>
    </Box>
  );
}
