import { Box, Text } from 'ink';
import { KEYMAP } from './keymap.js';
import { TextField } from './TextField.js';
import { useColor } from './useColor.js';
import { useModeInput } from './useModeKeys.js';
import { useTextField } from './useTextField.js';

interface ReasonBarProps {
  /** The task being rejected, as the prompt names it. */
  id: string;
  /** Enter: reject, with what was typed (empty: no reason). */
  onSubmit: (reason: string) => void;
  /** Esc: leave it waiting. */
  onCancel: () => void;
  isActive?: boolean;
}

/** Asks why a waiting task is rejected (`reject <id>: reason`); the reason lands in its error. */
export function ReasonBar({ id, onSubmit, onCancel, isActive = true }: ReasonBarProps) {
  const paint = useColor();
  const field = useTextField('');
  useModeInput(
    'reason',
    (_input, _key, event) => {
      const outcome = field.apply(event, KEYMAP.reason);
      if (outcome === 'submit') onSubmit(field.value());
      else if (outcome === 'back') onCancel();
    },
    isActive,
  );
  return (
    <Box>
      <Text color={paint('red')}>reject {id}: </Text>
      <TextField label="" state={field.state} placeholder="why (optional; Enter rejects, Esc keeps it waiting)" focused={isActive} />
    </Box>
  );
}
