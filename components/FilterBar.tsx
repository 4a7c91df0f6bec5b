import { Box, Text } from 'ink';
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
  return [entry.id, entry.project ?? '', entry.status ?? '', entry.description ?? ''].some((s) => s.toLowerCase().includes(f));
}
