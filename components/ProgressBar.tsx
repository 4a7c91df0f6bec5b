import { Text } from 'ink';
import { formatPercent, progressBar } from '../src/core/task-view.js';
import { useColor } from './useColor.js';

interface ProgressBarProps {
  percent: number | null | undefined;
  /** Width of the whole thing, bar plus the percent. */
  width: number;
  color?: string;
}

/** `[#######.......]  42%` — the same bar as the table's, readable without colour. */
export function ProgressBar({ percent, width, color }: ProgressBarProps) {
  const paint = useColor();
  const pct = formatPercent(percent).padStart(4);
  const bar = progressBar(percent, Math.max(3, width - pct.length - 1));
  return (
    <Text wrap="truncate">
      <Text color={paint(color)}>{bar}</Text> {pct}
    </Text>
  );
}
