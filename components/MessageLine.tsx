import { Text } from 'ink';
import { printable } from '../src/core/terminal-text.js';
import { useColor } from './useColor.js';

export interface Message {
  text: string;
  kind: 'info' | 'error';
}

/** What the last action did. */
export function MessageLine({ message }: { message: Message | null }) {
  const paint = useColor();
  if (!message) return <Text> </Text>;
  return (
    <Text color={paint(message.kind === 'error' ? 'red' : 'green')} wrap="truncate">
      {message.kind === 'error' ? '✖ ' : ''}
      {/* Messages carry task fields and error text (paths, file contents): cleaned here, once. */}
      {printable(message.text)}
    </Text>
  );
}
