import { Box, Text } from 'ink';
import type { TextState } from './text-edit.js';

interface TextFieldProps {
  label: string;
  state: TextState;
  placeholder?: string;
  focused?: boolean;
}

/** How a newline of the value shows on the field's one line. */
const NEWLINE_MARK = '⏎';

/**
 * `Label: text▌` on one line; a long value shows its end, where the cursor usually is.
 * A selected value (a prefill that typing replaces) shows in inverse video.
 */
export function TextField({ label, state, placeholder, focused = true }: TextFieldProps) {
  const { cursor } = state;
  const value = state.value.replace(/\n/g, NEWLINE_MARK);
  const at = value.codePointAt(cursor);
  const atText = at === undefined ? ' ' : String.fromCodePoint(at);
  if (state.selected && value !== '') {
    return (
      <Box>
        <Box flexShrink={0}>
          <Text>{label}</Text>
        </Box>
        <Text wrap="truncate-start">
          <Text inverse>{value}</Text>
          {focused ? ' ' : ''}
        </Text>
      </Box>
    );
  }
  return (
    <Box>
      <Box flexShrink={0}>
        <Text>{label}</Text>
      </Box>
      {value === '' && placeholder ? (
        <Text wrap="truncate">
          {focused ? <Text inverse>{placeholder[0]}</Text> : placeholder[0]}
          <Text dimColor>{placeholder.slice(1)}</Text>
        </Text>
      ) : (
        <Text wrap="truncate-start">
          {value.slice(0, cursor)}
          {focused ? <Text inverse>{atText}</Text> : atText}
          {value.slice(cursor + atText.length)}
        </Text>
      )}
    </Box>
  );
}
