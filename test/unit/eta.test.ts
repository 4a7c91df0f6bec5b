import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { blendEta, EtaEstimator, etaFromHistory, median, smoothEta } from '../../src/core/eta.js';
import { linearEta, replayEta, scoreEta, type RecordedRun } from '../../src/core/eta-replay.js';
import { ProgressTracker } from '../../src/core/progress.js';

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

describe('eta: markers and history as one, smoothed', () => {
  it('blends the rate of the markers with earlier runs, the markers counting as far as the task is', () => {
    expect(blendEta(10, 30, 0)).toBe(30);
    expect(blendEta(10, 30, 75)).toBe(15);
    expect(blendEta(10, 30, 100)).toBe(10);
    expect(blendEta(null, 30, 50)).toBe(30);
    expect(blendEta(10, null, 50)).toBe(10);
    expect(blendEta(null, null, 50)).toBeNull();
  });

  it('moves from what it showed toward a new estimate, half the way in 1.5 s, taking a far correction at once', () => {
    expect(smoothEta(null, 12, 0)).toBe(12);
    // Shown 10 s a second and a half ago: counted down to 8.5, then half way to 12.
    expect(smoothEta({ seconds: 10, at: 0 }, 12, 1500)).toBeCloseTo(10.25);
    // Markers a millisecond apart hardly move it: however often they come, the time decides.
    let shown = { seconds: 10, at: 0 };
    for (let t = 1; t <= 1000; t++) shown = { seconds: smoothEta(shown, 4, t), at: t };
    expect(shown.seconds).toBeGreaterThan(6);
    // Ten minutes from a slow start, then the real rate: no need to show minutes for long.
    expect(smoothEta({ seconds: 600, at: 0 }, 12, 1000)).toBe(12);
  });

  it('a tracker with earlier runs keeps using them once markers come', () => {
    const t = new ProgressTracker(false, 0, [100_000]);
    t.stepStarted(0, 1, 0);
    expect(t.progress?.etaSource).toBe('history');
    // The markers alone say some 17 s left; the earlier run 95 s: at 20 % the earlier run counts most.
    t.apply({ kind: 'progress', percent: 10, message: null }, 2000);
    t.apply({ kind: 'progress', percent: 20, message: null }, 5000);
    expect(t.progress?.etaSource).toBe('blend');
    const eta = t.progress!.etaSeconds!;
    expect(eta).toBeGreaterThan(60);
    expect(eta).toBeLessThan(95);
  });
});

describe('eta on recorded runs (bench/eta-runs.json, recorded by bench/eta-record.js)', () => {
  const recorded = JSON.parse(readFileSync(new URL('../../bench/eta-runs.json', import.meta.url), 'utf8')) as {
    jobs: { name: string; pipeline: boolean; runs: RecordedRun[] }[];
  };
  const replays = recorded.jobs.flatMap((job) =>
    job.runs.map((run, i) => ({
      job,
      i,
      samples: replayEta(
        run,
        job.pipeline,
        job.runs.slice(0, i).map((r) => r.durationMs),
      ),
    })),
  );

  it('once it shows an ETA it keeps one to the end (`<1s` when it runs out, never `-`)', () => {
    for (const { job, i, samples } of replays) {
      const first = samples.findIndex((s) => s.shown !== null);
      expect(first, `${job.name}, run ${i}`).toBeGreaterThanOrEqual(0);
      expect(
        samples.slice(first).filter((s) => s.shown === null),
        `${job.name}, run ${i}`,
      ).toEqual([]);
    }
  });

  it("the demo's pipeline (equal weights, unequal stages) with earlier runs: within 5 % of the run, and it hardly jumps up", () => {
    for (const { job, i, samples } of replays.filter((r) => r.job.name.startsWith('demo') && r.i > 0)) {
      const score = scoreEta(samples);
      expect(score.error, `run ${i}`).toBeLessThan(0.05);
      expect(score.jumpsUp, `${job.name}, run ${i}`).toBeLessThanOrEqual(2);
    }
  });

  it('over every run: a mean error under a fifth of the run, well under the textbook ETA', () => {
    const ours = replays.map((r) => scoreEta(r.samples).error);
    const linear = replays.map((r) => scoreEta(linearEta(r.samples)).error);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(med(ours)).toBeLessThan(0.15);
    expect(med(ours)).toBeLessThan(med(linear) / 2);
    expect(mean(ours)).toBeLessThan(0.4);
  });
});
