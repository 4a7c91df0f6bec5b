import { Box, Text } from 'ink';
import { useModeInput } from './useModeKeys.js';
import { Action, actionFor, yesNoHint } from './keymap.js';
import { useColor } from './useColor.js';

interface ConfirmDialogProps {
  question: string;
  onAnswer: (yes: boolean) => void;
  isActive?: boolean;
}

/** A yes/no question; anything but an explicit yes is No. */
export function ConfirmDialog({ question, onAnswer, isActive = true }: ConfirmDialogProps) {
  const paint = useColor();
  useModeInput(
    'confirm',
    (input, key) => {
      const action = actionFor('confirm', input, key);
      if (action === Action.Yes) onAnswer(true);
      else if (action === Action.No) onAnswer(false);
    },
    isActive,
  );
  return (
    <Box>
      <Text color={paint('yellow')} bold wrap="truncate">
        {question} <Text dimColor>{yesNoHint()}</Text>
      </Text>
    </Box>
  );
}
