import { Box, Text, useApp, useInput } from 'ink';
import SelectInput from 'ink-select-input';
import { formatStatus, oneLine } from '../src/core/format.js';
import type { Task } from '../src/core/task.js';

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
    if (key.escape || input === 'q') done(null);
  });
  const items = tasks.map((t) => ({
    key: t.id,
    value: t.id,
    label: `${t.id}  ${t.project}  ${formatStatus(t.status)}  ${oneLine(t.description).slice(0, 50)}`,
  }));
  return (
    <Box flexDirection="column">
      <Text bold>{title}</Text>
      <SelectInput items={items} onSelect={(item) => done(item.value)} />
      <Text dimColor>↑/↓ choose · Enter select · Esc cancel</Text>
    </Box>
  );
}
