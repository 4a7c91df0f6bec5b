import { Text } from 'ink';
import { memo } from 'react';
import { cellWidth } from '../src/core/cell-width.js';
import { fitHints, footerHints, GATE_HINTS, HINT_GAP, type Mode } from './keymap.js';
import { useColor } from './useColor.js';

/** The keys that apply in the current mode, from the keymap; as many as fit, help and quit always. */
export const Footer = memo(function Footer({ mode, width = Infinity, waiting = false }: { mode: Mode; width?: number; waiting?: boolean }) {
  const paint = useColor();
  // The keys that answer a gate apply only to a task that waits at one: then they come first.
  const all = footerHints(mode);
  const gate = all.filter((h) => GATE_HINTS.includes(h.hint));
  const rest = all.filter((h) => !GATE_HINTS.includes(h.hint));
  const hints = fitHints(waiting ? [...gate.map((h) => ({ ...h, pinned: true })), ...rest] : rest, width, cellWidth);
  return (
    <Text wrap="truncate">
      {hints.map((h, i) => (
        <Text key={h.hint}>
          {i > 0 ? HINT_GAP : ''}
          <Text bold color={paint('blue')}>
            {h.keys}
          </Text>{' '}
          {h.hint}
        </Text>
      ))}
    </Text>
  );
});
