import { Box, Text } from 'ink';
import { memo } from 'react';
import { headerParts } from '../src/core/task-view.js';
import { printable } from '../src/core/terminal-text.js';
import type { TaskEntry } from '../src/core/task.js';
import { useColor } from './useColor.js';

interface HeaderProps {
  entries: TaskEntry[];
  /** The rows in view (filtered): the header sums what they spent. */
  visible?: TaskEntry[];
  maxParallel: number;
  showAll: boolean;
  filter: string;
  /** Where the selection is in the rows shown (`12/231`), when there are any. */
  positionIndex?: number;
  positionCount?: number;
  /** The table's order, when it is not the default. */
  sort?: string | null;
  /** Failures since the dashboard opened, not yet looked at. */
  unseenFailures?: number;
  /** Whether the bell rings for them (off: the header says so). */
  bell?: boolean;
  /** The terminal's width: the counts give way, the view and the position stay. */
  width?: number;
  /** The queue's paused scopes in words (`paused: web`), when any. */
  paused?: string | null;
}

/**
 * `dev-tools  running 3/10 · queued 2 · failed 1   [active] 12/231` (slots count local tasks;
 * cluster ones apart). When narrow, the counts are cut short; the view and where the selection is stay.
 */
export const Header = memo(function Header({
  entries,
  visible = entries,
  maxParallel,
  showAll,
  filter,
  positionIndex = 0,
  positionCount = 0,
  sort = null,
  unseenFailures = 0,
  bell = true,
  width,
  paused = null,
}: HeaderProps) {
  const paint = useColor();
  const parts = headerParts(entries, maxParallel, visible);
  // A long filter is cut here (the filter line shows it whole).
  const shownFilter = filter.length > 20 ? `${filter.slice(0, 19)}…` : filter;
  return (
    <Box width={width} height={1} overflow="hidden">
      <Box flexShrink={1} flexGrow={0} overflow="hidden">
        <Text wrap="truncate">
          <Text bold>dev-tools </Text>
          {parts.map((p, i) => (
            <Text key={p.text}>
              {i > 0 ? ' · ' : ' '}
              <Text color={paint(p.color)}>{p.text}</Text>
            </Text>
          ))}
          {paused ? (
            <Text color={paint('yellow')}>
              {' · '}⏸ {printable(paused)}
            </Text>
          ) : null}
          {unseenFailures > 0 ? (
            <Text bold color={paint('red')}>
              {'  '}✖ {unseenFailures} new failure{unseenFailures === 1 ? '' : 's'}
            </Text>
          ) : null}
          {bell ? null : <Text dimColor>{'  '}bell off</Text>}
        </Text>
      </Box>
      <Box flexShrink={0}>
        <Text dimColor wrap="truncate">
          {'   '}[{showAll ? 'all tasks' : 'active'}]{shownFilter ? ` filter: ${printable(shownFilter)}` : ''}
          {sort ? ` sort: ${sort}` : ''}
          {positionCount > 0 ? `  ${positionIndex + 1}/${positionCount}` : ''}
        </Text>
      </Box>
    </Box>
  );
});
