import { Box, Text } from 'ink';
import { useState } from 'react';
import { cellWidth } from '../src/core/cell-width.js';
import { fit } from '../src/core/table.js';
import { Action, actionFor, bindingLabel, GLOBAL_KEYS, KEYMAP, MODE_TITLES, type Binding, type Mode } from './keymap.js';
import { useModeInput } from './useModeKeys.js';

interface HelpOverlayProps {
  width: number;
  height: number;
  onClose: () => void;
  isActive?: boolean;
}

const SHOWN: Mode[] = ['table', 'log', 'search', 'detail', 'launch', 'launchText', 'filter', 'confirm'];
const LABEL_CELLS = 16;
const GAP = 3;

interface Line {
  text: string;
  title?: boolean;
}

/** Every key of every mode, straight from the keymap, one section per mode. */
export function helpSections(): Line[][] {
  const section = (title: string, bindings: Binding[]): Line[] => [
    { text: title, title: true },
    ...bindings.map((b) => ({ text: `  ${fit(bindingLabel(b), LABEL_CELLS)} ${b.description}` })),
  ];
  return [...SHOWN.map((mode) => section(MODE_TITLES[mode], KEYMAP[mode])), section('Anywhere', GLOBAL_KEYS)];
}

/** Two columns when both fit side by side, split between sections (a heading never ends a column). */
export function helpColumns(sections: Line[][], width: number): Line[][] {
  const all = sections.flat();
  const widest = Math.max(...all.map((l) => cellWidth(l.text)));
  if (sections.length < 2 || width < widest * 2 + GAP) return [all];
  let split = 1;
  let best = Infinity;
  for (let i = 1; i < sections.length; i++) {
    const left = sections.slice(0, i).flat().length;
    const uneven = Math.abs(all.length - 2 * left);
    if (uneven < best) [best, split] = [uneven, i];
  }
  return [sections.slice(0, split).flat(), sections.slice(split).flat()];
}

/** The keys of every mode; it scrolls (and says where it is) when the screen is short. */
export function HelpOverlay({ width, height, onClose, isActive = true }: HelpOverlayProps) {
  const columns = helpColumns(helpSections(), width);
  const rows = Math.max(...columns.map((c) => c.length));
  const room = Math.max(1, height - 1);
  const maxTop = Math.max(0, rows - room);
  const [top, setTop] = useState(0);
  const first = Math.min(top, maxTop);

  useModeInput(
    'help',
    (input, key) => {
      const move = (by: number) => setTop((t) => Math.max(0, Math.min(maxTop, Math.min(t, maxTop) + by)));
      switch (actionFor('help', input, key)) {
        case Action.LineUp:
          return move(-1);
        case Action.LineDown:
          return move(1);
        case Action.PageUp:
          return move(-Math.max(1, room - 1));
        case Action.PageDown:
          return move(Math.max(1, room - 1));
        case Action.Back:
          return onClose();
        default:
          return undefined;
      }
    },
    isActive,
  );

  const close = KEYMAP.help
    .filter((b) => b.action === Action.Back)
    .map(bindingLabel)
    .join('/');
  const quitAnywhere = GLOBAL_KEYS.filter((b) => b.action === Action.Quit)
    .map(bindingLabel)
    .join('/');
  // The footer shows the scroll keys; this says where the view is.
  const where = maxTop > 0 ? `  lines ${first + 1}-${first + Math.min(room, rows)} of ${rows}${first < maxTop ? ' · more below' : ''}` : '';
  const colWidth = columns.length === 1 ? width : Math.floor((width - GAP) / 2);
  const shown = Array.from({ length: Math.min(room, rows) }, (_, i) => first + i);
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Text bold wrap="truncate">
        Keys{' '}
        <Text dimColor>
          ({close} closes; {quitAnywhere} quits anywhere){where}
        </Text>
      </Text>
      {shown.map((row) => (
        <Box key={row} height={1}>
          {columns.map((col, ci) => {
            const line = col[row];
            return (
              <Box key={ci} width={colWidth} marginRight={ci === 0 && columns.length > 1 ? GAP : 0} flexShrink={0}>
                <Text bold={line?.title} wrap="truncate">
                  {line?.text ?? ' '}
                </Text>
              </Box>
            );
          })}
        </Box>
      ))}
    </Box>
  );
}
