import { Text } from 'ink';
import { memo } from 'react';
import { cellWidth } from '../src/core/cell-width.js';
import { fitHints, footerHints, HINT_GAP, type Mode } from './keymap.js';
import { useColor } from './useColor.js';

/** The keys that apply in the current mode, from the keymap; as many as fit, help and quit always. */
export const Footer = memo(function Footer({ mode, width = Infinity }: { mode: Mode; width?: number }) {
  const paint = useColor();
  const hints = fitHints(footerHints(mode), width, cellWidth);
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
