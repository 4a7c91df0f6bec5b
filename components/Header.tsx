import { Text } from 'ink';
import { memo } from 'react';
import { activeCounts, STATUS_COLORS } from '../src/core/task-view.js';
import { isBroken, TASK_STATUSES, type TaskEntry, type TaskStatus } from '../src/core/task.js';
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

function countByStatus(entries: TaskEntry[]): Record<TaskStatus | 'broken', number> {
  const counts = { broken: 0 } as Record<TaskStatus | 'broken', number>;
  for (const s of TASK_STATUSES) counts[s] = 0;
  for (const e of entries) counts[isBroken(e) ? 'broken' : e.status]++;
  return counts;
}

/** `dev-tools  running 3/10 · queued 2 · failed 1   [active] 12/231` (slots count local tasks; cluster ones apart) */
export const Header = memo(function Header({ entries, maxParallel, showAll, filter, positionIndex = 0, positionCount = 0 }: HeaderProps) {
  const paint = useColor();
  const counts = countByStatus(entries);
  const active = activeCounts(entries);
  counts.queued = active.queued;
  const parts: { text: string; color?: string }[] = [{ text: `running ${active.running}/${maxParallel}`, color: STATUS_COLORS.running }];
  for (const s of TASK_STATUSES) {
    if (s === 'running' || counts[s] === 0) continue;
    parts.push({ text: `${s} ${counts[s]}`, color: STATUS_COLORS[s] });
  }
  if (active.remoteRunning + active.remoteQueued) {
    parts.push({ text: `on clusters ${active.remoteRunning} running, ${active.remoteQueued} pending`, color: STATUS_COLORS.running });
  }
  if (counts.broken) parts.push({ text: `broken ${counts.broken}`, color: 'red' });
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
