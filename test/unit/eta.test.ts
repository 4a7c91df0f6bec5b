import { describe, expect, it } from 'vitest';
import { EtaEstimator, etaFromHistory, median } from '../../src/core/eta.js';

describe('eta', () => {
  it('is unknown before any progress and estimates from the rate', () => {
    const e = new EtaEstimator();
    e.begin(0);
    expect(e.etaSeconds(0, 0)).toBeNull();
    e.update(10_000, 10); // 1% per second
    expect(e.etaSeconds(10_000, 10)).toBe(90);
  });

  it('smooths a sudden jump instead of following it', () => {
    const e = new EtaEstimator();
    e.begin(0);
    for (let t = 1; t <= 10; t++) e.update(t * 1000, t); // 1%/s
    e.update(11_000, 31); // one burst of 20%
    const eta = e.etaSeconds(11_000, 31)!;
    const naive = (100 - 31) / 20; // what the last step alone would say
    expect(eta).toBeGreaterThan(naive * 2);
    expect(eta).toBeGreaterThan(0);
  });

  it('never returns 0 or negative while work remains', () => {
    const e = new EtaEstimator();
    e.begin(0);
    e.update(1000, 50);
    expect(e.etaSeconds(100_000, 50)).toBe(1);
    expect(e.etaSeconds(100_000, 100)).toBeNull();
  });

  it('waits for a second of history before the first estimate', () => {
    const e = new EtaEstimator();
    e.begin(0);
    e.update(50, 4); // a marker printed at once would mean 80%/s
    expect(e.etaSeconds(50, 4)).toBeNull();
    e.update(1050, 12);
    expect(e.etaSeconds(1050, 12)).toBeGreaterThanOrEqual(7);
  });

  it('restarts measuring when progress goes backwards', () => {
    const e = new EtaEstimator();
    e.begin(0);
    e.update(1000, 50);
    e.update(2000, 10);
    expect(e.etaSeconds(2000, 10)).toBeNull();
  });

  it('uses the median of recent runs, unknown once overdue', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([])).toBeNull();
    expect(etaFromHistory([10_000, 12_000, 100_000], 2000)).toBe(10);
    expect(etaFromHistory([10_000], 9500)).toBeNull();
    expect(etaFromHistory([], 0)).toBeNull();
    // Only the last few runs count.
    expect(etaFromHistory([1e9, 1e9, 1e9, 1000, 1000, 1000, 1000, 1000], 0)).toBe(1);
  });
});
