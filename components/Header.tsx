import { Text } from 'ink';
import { memo } from 'react';
import { headerParts } from '../src/core/task-view.js';
import type { TaskEntry } from '../src/core/task.js';
import { useColor } from './useColor.js';

interface HeaderProps {
  entries: TaskEntry[];
  maxParallel: number;
  showAll: boolean;
  filter: string;
  /** Where the selection is in the rows shown (`12/231`), when there are any. */
  positionIndex?: number;
  positionCount?: number;
}

/** `dev-tools  running 3/10 · queued 2 · failed 1   [active] 12/231` (slots count local tasks; cluster ones apart) */
export const Header = memo(function Header({ entries, maxParallel, showAll, filter, positionIndex = 0, positionCount = 0 }: HeaderProps) {
  const paint = useColor();
  const parts = headerParts(entries, maxParallel);
  return (
    <Text wrap="truncate">
      <Text bold>dev-tools </Text>
      {parts.map((p, i) => (
        <Text key={p.text}>
          {i > 0 ? ' · ' : ' '}
          <Text color={paint(p.color)}>{p.text}</Text>
        </Text>
      ))}
      <Text dimColor>
        {'   '}[{showAll ? 'all tasks' : 'active'}]{filter ? ` filter: ${filter}` : ''}
        {positionCount > 0 ? `  ${positionIndex + 1}/${positionCount}` : ''}
      </Text>
    </Text>
  );
});
