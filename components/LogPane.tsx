import { Box, Text } from 'ink';
import { useModeInput } from './useModeKeys.js';
import { useState } from 'react';
import { describeEnd, formatStatus, STATUS_COLORS } from '../src/core/task-view.js';
import { isBroken, isFinal, type TaskEntry } from '../src/core/task.js';
import { printable } from '../src/core/terminal-text.js';
import { Action, actionFor } from './keymap.js';
import { ProgressBar } from './ProgressBar.js';
import { useColor } from './useColor.js';

interface LogPaneProps {
  entry: TaskEntry | null;
  /** Clean lines (see log-text.ts), oldest first. */
  lines: string[];
  /** What was not loaded before `lines` (`… 495,000 earlier lines not loaded`), shown as the first line. */
  earlier?: string | null;
  width: number;
  /** Lines available, the title included. */
  height: number;
  /** Focused: the pane owns the keys (scrolling, Esc back). */
  focused: boolean;
  onBack?: () => void;
  onQuit?: () => void;
  /** What the pane shows (`log`, `diff`). */
  title?: string;
  /** The colour of a line (a diff's added and removed lines), if any. */
  lineColor?: (line: string) => string | undefined;
  /** The key that switches between the log and the diff. */
  onToggleView?: () => void;
}

/** How a finished task ended, in one line; null while it is not final. */
function endLine(entry: TaskEntry): string | null {
  if (isBroken(entry) || !isFinal(entry.status)) return null;
  const end = describeEnd(entry);
  return end ? `task ${entry.status} · ${end}` : `task ${entry.status}`;
}

/** The selected task's log: follows the end until scrolled, then stays where it was put. */
export function LogPane({
  entry,
  lines: loaded,
  earlier = null,
  width,
  height,
  focused,
  onBack,
  onQuit,
  title = 'log',
  lineColor,
  onToggleView,
}: LogPaneProps) {
  const paint = useColor();
  const lines = earlier ? [earlier, ...loaded] : loaded;
  const [scroll, setScroll] = useState<{ follow: boolean; top: number }>({ follow: true, top: 0 });
  const ended = entry ? endLine(entry) : null;
  const visible = Math.max(0, height - 1 - (ended ? 1 : 0));
  const maxTop = Math.max(0, lines.length - visible);
  const top = scroll.follow ? maxTop : Math.min(scroll.top, maxTop);

  useModeInput(
    'log',
    (input, key) => {
      const action = actionFor('log', input, key);
      // From the previous state, not this render's: keys can come faster than frames.
      const move = (by: (top: number) => number) =>
        setScroll((prev) => {
          const next = by(prev.follow ? maxTop : Math.min(prev.top, maxTop));
          return next >= maxTop ? { follow: true, top: maxTop } : { follow: false, top: Math.max(0, next) };
        });
      const page = Math.max(1, visible - 1);
      switch (action) {
        case Action.LineUp:
          return move((t) => t - 1);
        case Action.LineDown:
          return move((t) => t + 1);
        case Action.PageUp:
          return move((t) => t - page);
        case Action.PageDown:
          return move((t) => t + page);
        case Action.Top:
          return setScroll({ follow: maxTop === 0, top: 0 });
        case Action.Bottom:
          return setScroll({ follow: true, top: maxTop });
        case Action.Back:
          return onBack?.();
        case Action.Quit:
          return onQuit?.();
        case Action.ShowDiff:
          return onToggleView?.();
        default:
          return undefined;
      }
    },
    focused,
  );

  const shown = lines.slice(top, top + visible);
  const where = lines.length > visible ? ` ${top + 1}-${top + shown.length}/${lines.length}${scroll.follow ? ' following' : ''}` : '';

  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <Box>
        <Text wrap="truncate" bold={focused} color={paint(focused ? 'blue' : undefined)}>
          {focused ? '▌' : '─'} {title}{' '}
        </Text>
        {entry ? (
          <Text wrap="truncate">
            {entry.id}{' '}
            {isBroken(entry) ? (
              <Text color={paint('red')}>broken task file</Text>
            ) : (
              <Text color={paint(STATUS_COLORS[entry.status])}>{formatStatus(entry.status)}</Text>
            )}
            <Text dimColor>{where}</Text>
          </Text>
        ) : (
          <Text dimColor wrap="truncate">
            no task selected
          </Text>
        )}
        {entry && !isBroken(entry) && entry.progress?.percent != null && width >= 70 ? (
          <Box marginLeft={2} flexShrink={0}>
            <ProgressBar percent={entry.progress.percent} width={24} color={paint(STATUS_COLORS[entry.status])} />
          </Box>
        ) : null}
      </Box>
      {entry && isBroken(entry) ? (
        <Text color={paint('red')} wrap="truncate">
          {printable(entry.error)}
        </Text>
      ) : null}
      {/* Keyed by row, not by line: as the log scrolls, each row's text changes, no node is made anew. */}
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate" dimColor={earlier !== null && top + i === 0} color={paint(lineColor?.(line))}>
          {line === '' ? ' ' : line}
        </Text>
      ))}
      {ended ? (
        <Text color={paint(entry && !isBroken(entry) ? STATUS_COLORS[entry.status] : undefined)} wrap="truncate">
          {ended}
        </Text>
      ) : null}
    </Box>
  );
}
