import { Box, Text } from 'ink';
import { Action, keysFor } from './keymap.js';
import { useColor } from './useColor.js';

const MIN_COLUMNS = 60;
const MIN_ROWS = 12;

export function isTooSmall(columns: number, rows: number): boolean {
  return columns < MIN_COLUMNS || rows < MIN_ROWS;
}

/** Shown instead of a garbled dashboard. */
export function SmallTerminal({ columns, rows }: { columns: number; rows: number }) {
  const paint = useColor();
  return (
    <Box flexDirection="column">
      <Text color={paint('yellow')} wrap="truncate">
        terminal too small
      </Text>
      <Text wrap="truncate">
        {columns}x{rows}, needs {MIN_COLUMNS}x{MIN_ROWS}
      </Text>
      <Text dimColor wrap="truncate">
        {keysFor('table', Action.Quit)} quits
      </Text>
    </Box>
  );
}
