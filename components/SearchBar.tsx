import { Box, Text } from 'ink';
import { KEYMAP } from './keymap.js';
import { TextField } from './TextField.js';
import { useColor } from './useColor.js';
import { useModeInput } from './useModeKeys.js';
import { useTextField } from './useTextField.js';

interface SearchBarProps {
  initial: string;
  /** Every edit: the log pane searches as you type. */
  onChange: (query: string) => void;
  /** Enter: keep the query. */
  onDone: (query: string) => void;
  /** Esc: drop the search. */
  onCancel: () => void;
  isActive?: boolean;
}

/** The query line of the log pane's search (`/` in the log pane). */
export function SearchBar({ initial, onChange, onDone, onCancel, isActive = true }: SearchBarProps) {
  const paint = useColor();
  const field = useTextField(initial);
  useModeInput(
    'search',
    (_input, _key, event) => {
      const outcome = field.apply(event, KEYMAP.search);
      if (outcome === 'submit') onDone(field.value());
      else if (outcome === 'back') onCancel();
      else if (outcome === 'edited') onChange(field.value());
    },
    isActive,
  );
  return (
    <Box>
      <Text color={paint('yellow')}>/</Text>
      <TextField label="" state={field.state} placeholder="search the loaded log (a capital: case-sensitive)" focused={isActive} />
    </Box>
  );
}
