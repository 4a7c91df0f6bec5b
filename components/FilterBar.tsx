import { Box, Text } from 'ink';
import { useModeInput } from './useModeKeys.js';
import TextInput from 'ink-text-input';
import { Action, actionFor } from './keymap.js';
import { useColor } from './useColor.js';

export interface FilterBarProps {
  value: string;
  onChange: (value: string) => void;
  /** Enter: keep the filter. */
  onDone: () => void;
  /** Esc: drop the filter. */
  onClear: () => void;
  isActive?: boolean;
}

/** Filters the table as you type, by id, project or description. */
export function FilterBar({ value, onChange, onDone, onClear, isActive = true }: FilterBarProps) {
  const paint = useColor();
  useModeInput(
    'filter',
    (input, key) => {
      if (actionFor('filter', input, key) === Action.Back) onClear();
    },
    isActive,
  );
  return (
    <Box>
      <Text color={paint('blue')}>/</Text>
      <TextInput value={value} onChange={onChange} onSubmit={onDone} focus={isActive} placeholder="id, project or description" />
    </Box>
  );
}

/** Case-insensitive match on id, project or description; broken rows match by id. */
export function matchesFilter(entry: { id: string; project?: string; description?: string }, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  return [entry.id, entry.project ?? '', entry.description ?? ''].some((s) => s.toLowerCase().includes(f));
}
