import { Box, Text } from 'ink';
import { fit } from '../src/core/table.js';
import { windowStart } from './TaskTable.js';
import { useColor } from './useColor.js';

interface Choice {
  key: string;
  label: string;
}

interface ChoiceListProps {
  items: Choice[];
  selected: number;
  /** Rows available; a longer list scrolls to keep the selection in view. */
  height: number;
  width: number;
}

const MARK = '❯ ';
const NO_MARK = '  ';

/** A list to choose from with ↑/↓ (keys handled by the owner); only the rows that fit. */
export function ChoiceList({ items, selected, height, width }: ChoiceListProps) {
  const paint = useColor();
  const visible = Math.max(1, height);
  const start = windowStart(selected, items.length, visible);
  return (
    <Box flexDirection="column" height={Math.min(visible, items.length)} overflow="hidden">
      {items.slice(start, start + visible).map((item, i) => {
        const isSelected = start + i === selected;
        return (
          <Text key={item.key} color={paint(isSelected ? 'blue' : undefined)} bold={isSelected}>
            {(isSelected ? MARK : NO_MARK) + fit(item.label, Math.max(1, width - MARK.length)).trimEnd()}
          </Text>
        );
      })}
    </Box>
  );
}
