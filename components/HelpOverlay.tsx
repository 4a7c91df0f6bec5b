import { Box, Text } from 'ink';
import { useModeInput } from './useModeKeys.js';
import { Action, actionFor, bindingLabel, KEYMAP, MODE_TITLES, type Mode } from './keymap.js';

export interface HelpOverlayProps {
  height: number;
  onClose: () => void;
  isActive?: boolean;
}

const SHOWN: Mode[] = ['table', 'log', 'launch', 'confirm', 'filter'];

/** Every key of every mode, straight from the keymap. */
export function HelpOverlay({ height, onClose, isActive = true }: HelpOverlayProps) {
  useModeInput(
    'help',
    (input, key) => {
      if (actionFor('help', input, key) === Action.Back) onClose();
    },
    isActive,
  );
  const lines: { text: string; title?: boolean }[] = [];
  for (const mode of SHOWN) {
    lines.push({ text: MODE_TITLES[mode], title: true });
    for (const b of KEYMAP[mode]) lines.push({ text: `  ${bindingLabel(b).padEnd(16)} ${b.description}` });
  }
  const close = KEYMAP.help.map(bindingLabel).join('/');
  const room = Math.max(0, height - 1);
  // Two columns when one does not fit.
  const half = lines.length > room ? Math.ceil(lines.length / 2) : lines.length;
  const columns = half === lines.length ? [lines] : [lines.slice(0, half), lines.slice(half)];
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate">
        Keys <Text dimColor>({close} closes; Ctrl+C quits anywhere)</Text>
      </Text>
      <Box>
        {columns.map((col, ci) => (
          <Box key={ci} flexDirection="column" flexGrow={1} flexBasis={0}>
            {col.map((l, i) => (
              <Text key={i} bold={l.title} wrap="truncate">
                {l.text}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
