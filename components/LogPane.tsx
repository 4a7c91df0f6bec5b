// The lower pane: a task's log (or its diff), scrolled and searched. Over 250 lines:
// its views share one scroll state, one search and one key handler.
import { Box, Text } from 'ink';
import { useModeInput } from './useModeKeys.js';
import { useContext, useMemo, useRef, useState } from 'react';
import { findMatches, firstMatchFrom, highlightSegments, stepMatch, type LogMatch } from '../src/core/log-search.js';
import { describeEnd, formatStatus, STATUS_COLORS } from '../src/core/task-view.js';
import { isBroken, isFinal, type TaskEntry } from '../src/core/task.js';
import { printable, withoutColors } from '../src/core/terminal-text.js';
import { Action, actionFor, keysFor } from './keymap.js';
import { ProgressBar } from './ProgressBar.js';
import { SearchBar } from './SearchBar.js';
import { ColorContext, useColor } from './useColor.js';

interface LogPaneProps {
  entry: TaskEntry | null;
  /** Clean lines (see log-text.ts), oldest first; they may hold colours (SGR), nothing else. */
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
  /** The search query line has the keys (mode `search`). */
  searching?: boolean;
  /** `/` asks for the query line, Enter or Esc there gives the keys back. */
  onSearching?: (on: boolean) => void;
  /** Keys of the log pane that act outside it (pager, editor, help). */
  onAction?: (action: Action) => void;
}

interface SearchState {
  query: string;
  /** The match n/N is on (index into the matches), -1 before the first step. */
  current: number;
  /** What the last step said (`search hit BOTTOM, continuing at TOP`). */
  note: string | null;
}

const NO_SEARCH: SearchState = { query: '', current: -1, note: null };

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
  searching = false,
  onSearching,
  onAction,
}: LogPaneProps) {
  const paint = useColor();
  const colors = useContext(ColorContext);
  const lines = earlier ? [earlier, ...loaded] : loaded;
  const offset = earlier ? 1 : 0;
  const [scroll, setScroll] = useState<{ follow: boolean; top: number }>({ follow: true, top: 0 });
  const [search, setSearchState] = useState<SearchState>(NO_SEARCH);
  // Also kept in a ref: `nnn` arriving in one chunk steps three times, not once from the drawn state.
  const live = useRef<SearchState>(NO_SEARCH);
  const setSearch = (next: SearchState) => {
    live.current = next;
    setSearchState(next);
  };
  // Over the loaded lines only (never the note about earlier ones), as text (colours aside); again only when they or the query change.
  const found = useMemo(() => findMatches(search.query ? loaded.map(withoutColors) : loaded, search.query), [loaded, search.query]);
  const matches = found.matches;
  const ended = entry ? endLine(entry) : null;
  const searchLine = searching || search.query !== '';
  const visible = Math.max(0, height - 1 - (ended ? 1 : 0) - (searchLine ? 1 : 0));
  const maxTop = Math.max(0, lines.length - visible);
  const top = scroll.follow ? maxTop : Math.min(scroll.top, maxTop);

  /** Scrolls so that a match's line shows, a third down the pane when it has to move. */
  const reveal = (m: LogMatch | undefined) => {
    if (!m) return;
    const line = m.line + offset;
    setScroll((prev) => {
      const t = prev.follow ? maxTop : Math.min(prev.top, maxTop);
      if (line >= t && line < t + visible) return prev;
      const next = Math.max(0, Math.min(maxTop, line - Math.floor(visible / 3)));
      return next >= maxTop ? { follow: true, top: maxTop } : { follow: false, top: next };
    });
  };
  /** A new query: the first match from the top of the view down, wrapping to the first. */
  const searchFor = (query: string) => {
    const ms = findMatches(loaded.map(withoutColors), query).matches;
    const current = firstMatchFrom(ms, Math.max(0, top - offset));
    setSearch({ query, current, note: null });
    reveal(ms[current]);
  };
  const step = (direction: 1 | -1) => {
    const now = live.current;
    if (!now.query) return;
    const { index, wrapped } = stepMatch(matches.length, now.current, direction);
    const note = wrapped ? (direction === 1 ? 'search hit BOTTOM, continuing at TOP' : 'search hit TOP, continuing at BOTTOM') : null;
    setSearch({ ...now, current: index, note });
    reveal(matches[index]);
  };

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
        case Action.Search:
          return onSearching?.(true);
        case Action.SearchNext:
          return step(1);
        case Action.SearchPrev:
          return step(-1);
        case Action.OpenPager:
        case Action.OpenEditor:
        case Action.Attach:
        case Action.Help:
          return onAction?.(action);
        case Action.Back:
          if (live.current.query) return setSearch(NO_SEARCH);
          return onBack?.();
        case Action.Quit:
          return onQuit?.();
        case Action.ShowDiff:
          return onToggleView?.();
        default:
          return undefined;
      }
    },
    focused && !searching,
  );

  const shown = lines.slice(top, top + visible);
  const currentMatch = matches[search.current];
  const onLine = (line: number) =>
    matches.filter((m) => m.line === line).map((m) => ({ start: m.start, end: m.end, current: m === currentMatch }));
  const status = searchStatus(search, matches.length, found.complete, earlier !== null);
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
      {shown.map((line, i) => {
        const at = top + i - offset;
        const hits = search.query && at >= 0 ? onLine(at) : [];
        return (
          <Text key={i} wrap="truncate" dimColor={earlier !== null && top + i === 0} color={paint(lineColor?.(line))}>
            {line === '' ? ' ' : null}
            {/* The task's colours as it wrote them; a line with a match shows as text, the matches lit. */}
            {hits.length === 0
              ? colors
                ? line
                : withoutColors(line)
              : highlightSegments(withoutColors(line), hits).map((seg, j) =>
                  seg.match ? (
                    <Text key={j} inverse bold={seg.current} color={paint(seg.current ? 'yellow' : undefined)}>
                      {seg.text}
                    </Text>
                  ) : (
                    seg.text
                  ),
                )}
          </Text>
        );
      })}
      {searching ? (
        <SearchBar
          initial=""
          onChange={(q) => searchFor(q)}
          onDone={(q) => {
            searchFor(q);
            onSearching?.(false);
          }}
          onCancel={() => {
            setSearch(NO_SEARCH);
            onSearching?.(false);
          }}
        />
      ) : search.query ? (
        <Text wrap="truncate">
          <Text color={paint('yellow')}>/{search.query}</Text> <Text dimColor>{status}</Text>
        </Text>
      ) : null}
      {ended ? (
        <Text color={paint(entry && !isBroken(entry) ? STATUS_COLORS[entry.status] : undefined)} wrap="truncate">
          {ended}
        </Text>
      ) : null}
    </Box>
  );
}

/** `3/17`, or why there is none, and whether earlier output that was not loaded may hold more. */
function searchStatus(search: SearchState, count: number, complete: boolean, unloaded: boolean): string {
  const more = unloaded
    ? ` · earlier output is not loaded and may hold more (${keysFor('log', Action.OpenPager)} opens the whole log)`
    : '';
  if (count === 0) return `no match in the loaded log${more}`;
  const position = search.current >= 0 ? `${search.current + 1}/${count}${complete ? '' : '+'}` : `${count}${complete ? '' : '+'} matches`;
  return [position, search.note].filter(Boolean).join(' · ') + more;
}
