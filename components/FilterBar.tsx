import { Box, Text } from 'ink';
import { SHORT_STATUS_WORDS } from '../src/core/task-view.js';
import type { TaskStatus } from '../src/core/task.js';
import { KEYMAP } from './keymap.js';
import { TextField } from './TextField.js';
import { useColor } from './useColor.js';
import { useModeInput } from './useModeKeys.js';
import { useTextField } from './useTextField.js';

interface FilterBarProps {
  value: string;
  onChange: (value: string) => void;
  /** Enter: keep the filter. */
  onDone: () => void;
  /** Esc: drop the filter. */
  onClear: () => void;
  isActive?: boolean;
}

/** Filters the table as you type, by id, project, status or description. */
export function FilterBar({ value, onChange, onDone, onClear, isActive = true }: FilterBarProps) {
  const paint = useColor();
  const field = useTextField(value);
  useModeInput(
    'filter',
    (_input, _key, event) => {
      const outcome = field.apply(event, KEYMAP.filter);
      if (outcome === 'submit') onDone();
      else if (outcome === 'back') onClear();
      else if (outcome === 'edited') onChange(field.value());
    },
    isActive,
  );
  return (
    <Box>
      <Text color={paint('blue')}>/</Text>
      <TextField label="" state={field.state} placeholder="id, project, status or description" focused={isActive} />
    </Box>
  );
}

/** Case-insensitive match on id, project, status or description; broken rows match by id. */
export function matchesFilter(entry: { id: string; project?: string; status?: string; description?: string }, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  const words = [entry.id, entry.project ?? '', entry.status ?? '', entry.description ?? ''];
  // A narrow table shows short status words (done, stopped, lost): they find their tasks too.
  if (entry.status && Object.hasOwn(SHORT_STATUS_WORDS, entry.status)) words.push(SHORT_STATUS_WORDS[entry.status as TaskStatus]);
  return words.some((s) => s.toLowerCase().includes(f));
}
