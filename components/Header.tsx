import { Text } from 'ink';
import { activeCounts, STATUS_COLORS } from '../src/core/task-view.js';
import { isBroken, TASK_STATUSES, type TaskEntry, type TaskStatus } from '../src/core/task.js';
import { useColor } from './useColor.js';

interface HeaderProps {
  entries: TaskEntry[];
  maxParallel: number;
  showAll: boolean;
  filter: string;
  /** Where the selection is in the rows shown (`12/231`), when there are any. */
  position?: { index: number; count: number } | null;
  /** The table's order, when it is not the default. */
  sort?: string | null;
  /** Failures since the dashboard opened, not yet looked at; whether the bell rings for them. */
  alerts?: { unseen: number; bell: boolean };
}

function countByStatus(entries: TaskEntry[]): Record<TaskStatus | 'broken', number> {
  const counts = { broken: 0 } as Record<TaskStatus | 'broken', number>;
  for (const s of TASK_STATUSES) counts[s] = 0;
  for (const e of entries) counts[isBroken(e) ? 'broken' : e.status]++;
  return counts;
}

/** `dev-tools  running 3/10 · queued 2 · failed 1   [active] 12/231` (slots count local tasks; cluster ones apart) */
export function Header({ entries, maxParallel, showAll, filter, position = null, sort = null, alerts }: HeaderProps) {
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
      {alerts && alerts.unseen > 0 ? (
        <Text bold color={paint('red')}>
          {'  '}✖ {alerts.unseen} new failure{alerts.unseen === 1 ? '' : 's'}
        </Text>
      ) : null}
      {alerts && !alerts.bell ? <Text dimColor>{'  '}bell off</Text> : null}
      <Text dimColor>
        {'   '}[{showAll ? 'all tasks' : 'active'}]{filter ? ` filter: ${filter}` : ''}
        {sort ? ` sort: ${sort}` : ''}
        {position && position.count > 0 ? `  ${position.index + 1}/${position.count}` : ''}
      </Text>
    </Text>
  );
}
