// Gates and spend as data: the marker, the sums, the budget's words, where a worker
// starts after an approval, and the default order that puts waiting tasks first.
import { describe, expect, it } from 'vitest';
import { approved, firstStep, gateAt, rejected, waitingAt } from '../../src/core/gate.js';
import { parseMarker, MarkerScanner } from '../../src/core/markers.js';
import { addSpend, costCell, overBudget, taskBudget, totalSpend, formatUsd } from '../../src/core/spend.js';
import { sortTasks } from '../../src/core/task-sort.js';
import { elapsedSeconds, headerParts, taskCells } from '../../src/core/task-view.js';
import { parseConfig } from '../../src/store/config-schema.js';
import { makeTask } from '../fixtures/index.js';

describe('the ::spend marker', () => {
  it('takes tokens, a cost, or both, in any order', () => {
    expect(parseMarker('::spend tokens=1200 cost=0.031')).toEqual({ kind: 'spend', tokens: 1200, costUsd: 0.031 });
    expect(parseMarker('::spend cost=2')).toEqual({ kind: 'spend', tokens: null, costUsd: 2 });
    expect(parseMarker('::spend cost=1.2e-05')).toEqual({ kind: 'spend', tokens: null, costUsd: 0.000012 });
    expect(parseMarker('::spend cost=0.5 tokens=7\r')).toEqual({ kind: 'spend', tokens: 7, costUsd: 0.5 });
  });

  it('anything else is output, so a typo shows', () => {
    for (const line of [
      '::spend',
      '::spend cost=abc',
      '::spend tokens=1.5',
      '::spend tokens=-3',
      '::spend cost=1 cost=2',
      '::spend usd=1',
      '::spendy cost=1',
    ])
      expect(parseMarker(line), line).toBeNull();
  });

  it('is hidden from readers like the other markers', () => {
    const out = new MarkerScanner().feed(Buffer.from('a\n::spend tokens=5\nb\n'));
    expect(Buffer.concat(out.output).toString()).toBe('a\nb\n');
    expect(out.markers).toEqual([{ kind: 'spend', tokens: 5, costUsd: null }]);
  });
});

describe('spend and budgets', () => {
  it('adds up without float noise, and says it in dollars or tokens', () => {
    expect(addSpend(addSpend(null, { costUsd: 0.1 }), { costUsd: 0.2, tokens: 3 })).toEqual({ tokens: 3, costUsd: 0.3 });
    expect(costCell({ tokens: 0, costUsd: 0.3 })).toBe('$0.30');
    expect(costCell({ tokens: 12_345, costUsd: 0 })).toBe('12.3k tok');
    expect(costCell(null, 0.4)).toBe('~$0.40');
    expect(costCell(null)).toBe('-');
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(totalSpend([null, { tokens: 1, costUsd: 0.5 }, { tokens: 2, costUsd: 0.25 }])).toEqual({ tokens: 3, costUsd: 0.75 });
  });

  it('a budget is passed once the spend is over it, in its own words', () => {
    expect(overBudget({ tokens: 0, costUsd: 0.05 }, { costUsd: 0.05 })).toBeNull();
    expect(overBudget({ tokens: 0, costUsd: 0.06 }, { costUsd: 0.05 })).toBe('budget exceeded: $0.06 of $0.05');
    expect(overBudget({ tokens: 150, costUsd: 0 }, { tokens: 100 })).toBe('budget exceeded: 150 tokens of 100');
    expect(taskBudget({ costUsd: 1, tokens: 10 }, 0.5)).toEqual({ costUsd: 0.5, tokens: 10 });
    expect(taskBudget(undefined, null)).toBeNull();
  });
});

describe('gates', () => {
  const stages = [
    { name: 'architect', run: 'plan' },
    { name: 'coder', run: 'code', approve: true },
    { name: 'reviewer', run: 'review' },
  ];
  const task = makeTask({ id: 'g1', command: null, stages, status: 'running', runsOn: { kind: 'local', pid: 42, pidStartTime: 7 } });

  it('waits before the gated stage, holds no worker, and an approval starts the next worker there', () => {
    expect(gateAt(task, 0)).toBe(false);
    expect(gateAt(task, 1)).toBe(true);
    const waiting = waitingAt(task, 1, Date.UTC(2026, 0, 1), { ranMs: 1500, plan: { from: 0, to: 10 } });
    expect(waiting).toMatchObject({ status: 'waiting', waitingFor: 'approval', runsOn: { kind: 'local' }, ranMs: 1500 });
    expect(waiting.gate).toMatchObject({ index: 1, count: 3, name: 'coder', approvedAt: null });
    expect(waiting.runsOn.pid).toBeUndefined();
    const again = approved(waiting, Date.UTC(2026, 0, 2));
    expect(again).toMatchObject({ status: 'queued', claimedAt: null, waitingFor: null });
    expect(firstStep(again)).toBe(1);
    expect(gateAt(again, 1)).toBe(false);
    expect(rejected(waiting, 0, 'no')).toMatchObject({ status: 'cancelled', error: 'rejected: no' });
  });

  it('waiting tasks come first in the default order, and show apart', () => {
    const a = makeTask({ id: 'a', createdAt: '2026-01-01T00:00:01Z', status: 'running' });
    const b = makeTask({ id: 'b', createdAt: '2026-01-01T00:00:02Z', status: 'waiting', spend: { tokens: 0, costUsd: 0.5 } });
    expect(sortTasks([a, b], 'created', 0).map((t) => t.id)).toEqual(['b', 'a']);
    expect(sortTasks([a, b], 'status', 0).map((t) => t.id)).toEqual(['b', 'a']);
    expect(taskCells(b, 0).status).toBe('◆ waiting');
    expect(taskCells(b, 0).cost).toBe('$0.50');
    expect(headerParts([a, b], 4, [b]).map((p) => p.text)).toContain('spent $0.50');
    expect(headerParts([a, b], 4, [a]).map((p) => p.text)).not.toContain('spent $0.50');
  });
});

describe('the time a gated task ran', () => {
  it('leaves out the wait: frozen while it waits, counted again from its new claim', () => {
    const base = { id: 'e1', startedAt: '2026-01-01T00:00:00.000Z', runsOn: { kind: 'local' as const }, ranMs: 30_000 };
    const gate = { index: 1, count: 2, name: 'coder', since: '2026-01-01T00:00:30.000Z' };
    const waiting = makeTask({ ...base, status: 'waiting', gate: { ...gate, approvedAt: null } });
    expect(elapsedSeconds(waiting, Date.parse('2026-01-01T05:00:00.000Z'))).toBe(30);
    const resumed = makeTask({
      ...base,
      status: 'completed',
      claimedAt: '2026-01-01T05:00:00.000Z',
      completedAt: '2026-01-01T05:00:10.000Z',
      gate: { ...gate, approvedAt: '2026-01-01T04:59:59.000Z' },
    });
    expect(elapsedSeconds(resumed, Date.parse('2026-01-01T06:00:00.000Z'))).toBe(40);
  });
});

describe('config.json: gates, budgets, onWaiting', () => {
  const parse =
    (projects: unknown, top: Record<string, unknown> = {}) =>
    () =>
      parseConfig({ ...top, projects });
  it('takes approve, budget and onWaiting, and names a bad value', () => {
    const ok = parseConfig({
      onWaiting: 'notify-send waits',
      projects: { a: { stages: [{ name: 'x', run: 'y', approve: true }], budget: { costUsd: 0.5, tokens: 1000 }, onWaiting: '' } },
    });
    expect(ok.projects.a!.stages[0]!.approve).toBe(true);
    expect(ok.projects.a!.budget).toEqual({ costUsd: 0.5, tokens: 1000 });
    expect(parse({ a: { stages: [{ name: 'x', run: 'y', approve: 'yes' }] } })).toThrow(
      /projects\.a\.stages\.0\.approve must be true or false/,
    );
    expect(parse({ a: { budget: { costUsd: -1 } } })).toThrow(/projects\.a\.budget\.costUsd must be more than 0/);
    expect(parse({ a: { budget: { tokens: 1.5 } } })).toThrow(/projects\.a\.budget\.tokens must be a whole number/);
    expect(parse({ a: { budget: { usd: 1 } } })).toThrow(/unknown key projects\.a\.budget\.usd/);
    expect(parse({}, { onWaiting: 3 })).toThrow(/onWaiting must be a shell line/);
  });
});
