import { Text } from 'ink';
import { memo } from 'react';
import { footerHints, type Mode } from './keymap.js';
import { useColor } from './useColor.js';

/** The keys that apply in the current mode, from the keymap. */
export const Footer = memo(function Footer({ mode }: { mode: Mode }) {
  const paint = useColor();
  const hints = footerHints(mode);
  return (
    <Text wrap="truncate">
      {hints.map((h, i) => (
        <Text key={h.hint}>
          {i > 0 ? '  ' : ''}
          <Text bold color={paint('blue')}>
            {h.keys}
          </Text>{' '}
          {h.hint}
        </Text>
      ))}
    </Text>
  );
});
