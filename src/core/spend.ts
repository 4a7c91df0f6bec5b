// What a task spent (`::spend tokens=N cost=X` markers, summed) and its budget, as data.
import type { Budget, Spend } from './task.js';

export const NO_SPEND: Spend = { tokens: 0, costUsd: 0 };

/** Spend plus one marker's (either key may be missing). */
export function addSpend(spend: Spend | null | undefined, add: { tokens?: number | null; costUsd?: number | null }): Spend {
  const base = spend ?? NO_SPEND;
  // Rounded to a millionth of a dollar: sums of decimals stay readable (0.1 + 0.2).
  const cost = Math.round((base.costUsd + (add.costUsd ?? 0)) * 1e6) / 1e6;
  return { tokens: base.tokens + (add.tokens ?? 0), costUsd: cost };
}

/** `$0.06`, `$12.40`, `$0.0042` (small amounts keep two significant digits). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toPrecision(2))}`;
}

/** `12.3k` tokens. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${Number((n / 1000).toFixed(1))}k`;
  return `${Number((n / 1_000_000).toFixed(1))}M`;
}

/** The COST cell: the dollars, else the tokens, else `-`; `~$0.40` is what earlier runs cost (expected). */
export function costCell(spend: Spend | null | undefined, expected?: number | null): string {
  if (spend && spend.costUsd > 0) return formatUsd(spend.costUsd);
  if (spend && spend.tokens > 0) return `${formatTokens(spend.tokens)} tok`;
  if (expected !== null && expected !== undefined && expected > 0) return `~${formatUsd(expected)}`;
  return '-';
}

/** `$0.31 · 12.3k tokens`, for the detail view. */
export function describeSpend(spend: Spend | null | undefined): string {
  if (!spend || (spend.costUsd === 0 && spend.tokens === 0)) return '-';
  const parts: string[] = [];
  if (spend.costUsd > 0) parts.push(formatUsd(spend.costUsd));
  if (spend.tokens > 0) parts.push(`${formatTokens(spend.tokens)} tokens`);
  return parts.join(' · ');
}

/** `$0.50 · 100k tokens`. */
export function describeBudget(budget: Budget | null | undefined): string {
  if (!budget) return '-';
  const parts: string[] = [];
  if (budget.costUsd != null) parts.push(formatUsd(budget.costUsd));
  if (budget.tokens != null) parts.push(`${formatTokens(budget.tokens)} tokens`);
  return parts.length ? parts.join(' · ') : '-';
}

/** Why the spend is past the budget (`budget exceeded: $0.06 of $0.05`), or null while it is within. */
export function overBudget(spend: Spend | null | undefined, budget: Budget | null | undefined): string | null {
  if (!spend || !budget) return null;
  if (budget.costUsd != null && spend.costUsd > budget.costUsd) {
    return `budget exceeded: ${formatUsd(spend.costUsd)} of ${formatUsd(budget.costUsd)}`;
  }
  if (budget.tokens != null && spend.tokens > budget.tokens) return `budget exceeded: ${spend.tokens} tokens of ${budget.tokens}`;
  return null;
}

/** The budget of a task: `--budget` (dollars) over its project's, key by key. */
export function taskBudget(project: Budget | null | undefined, costUsd: number | null | undefined): Budget | null {
  const budget: Budget = { ...(project ?? {}) };
  if (costUsd != null) budget.costUsd = costUsd;
  return budget.costUsd != null || budget.tokens != null ? budget : null;
}

/** What a run is expected to cost: the median of what earlier runs cost; null without any. */
export function expectedCost(costs: readonly number[]): number | null {
  if (!costs.length) return null;
  const s = [...costs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The sum of these tasks' spend (the dashboard header), or null when none spent anything. */
export function totalSpend(spends: Iterable<Spend | null | undefined>): Spend | null {
  let total: Spend | null = null;
  for (const s of spends) if (s && (s.costUsd || s.tokens)) total = addSpend(total, s);
  return total;
}
