import { describe, expect, it } from 'vitest';
import { parseMarker } from '../../src/core/markers.js';
import { ProgressTracker } from '../../src/core/progress.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const marker = (line: string) => parseMarker(line)!;

describe('progress tracker (the worker bookkeeping, without a process)', () => {
  it('a single command: ::stage names the stage, ::progress sets percent and message, the message stays until replaced', () => {
    const p = new ProgressTracker(false, T0, []);
    expect(p.stage).toBeNull();
    expect(p.progress).toBeNull();
    p.apply(marker('::stage compile'), T0 + 100);
    expect(p.stage).toEqual({ index: 0, count: 1, name: 'compile', phase: null });
    p.apply(marker('::progress 10 module 1'), T0 + 200);
    expect(p.progress).toEqual({ percent: 10, message: 'module 1', etaSeconds: null, updatedAt: new Date(T0 + 200).toISOString() });
    p.apply(marker('::progress 20'), T0 + 300);
    expect(p.progress).toMatchObject({ percent: 20, message: 'module 1' });
  });

  it('ETA comes from the rate once there is a second of history, and is unknown before', () => {
    const p = new ProgressTracker(false, T0, []);
    p.apply(marker('::progress 5'), T0 + 500);
    expect(p.progress!.etaSeconds).toBeNull();
    p.apply(marker('::progress 10'), T0 + 1000);
    // 10% in 1 s: 90% more takes 9 s.
    expect(p.progress!.etaSeconds).toBe(9);
    expect(p.progress!.etaSource).toBe('markers');
    p.apply(marker('::progress 20'), T0 + 2000);
    expect(p.progress!.etaSeconds).toBeGreaterThan(0);
    expect(p.progress!.etaSeconds).toBeLessThan(9);
  });

  it('a pipeline: percent is overall, ::stage names a phase of the stage, a new stage drops the old message', () => {
    const p = new ProgressTracker(true, T0, []);
    p.beginStage(0, 2, 'build');
    expect(p.stepStarted(0, 2, T0 + 10)).toBe(true);
    expect(p.progress!.percent).toBe(0);
    p.apply(marker('::progress 50 compiling'), T0 + 100);
    expect(p.progress).toMatchObject({ percent: 25, message: 'compiling' });
    p.apply(marker('::stage link'), T0 + 200);
    expect(p.stage).toEqual({ index: 0, count: 2, name: 'build', phase: 'link' });
    p.beginStage(1, 2, 'test');
    expect(p.stepStarted(1, 2, T0 + 300)).toBe(true);
    expect(p.stage).toEqual({ index: 1, count: 2, name: 'test', phase: null });
    expect(p.progress).toMatchObject({ percent: 50, message: null });
  });

  it('before any marker, a single command gets its ETA from the durations of earlier runs', () => {
    const p = new ProgressTracker(false, T0, [10_000, 12_000, 11_000]);
    // Nothing worth a write of its own: the first write carries it.
    expect(p.stepStarted(0, 1, T0 + 1000)).toBe(false);
    expect(p.progress).toEqual({
      percent: null,
      message: null,
      etaSeconds: 10,
      etaSource: 'history',
      updatedAt: new Date(T0 + 1000).toISOString(),
    });
    expect(new ProgressTracker(false, T0, []).stepStarted(0, 1, T0)).toBe(false);
  });

  it('the end: completed is full, anything else keeps how far it got; no ETA', () => {
    const done = new ProgressTracker(false, T0, []);
    done.apply(marker('::progress 40 almost'), T0 + 100);
    done.finish(true, T0 + 200);
    expect(done.progress).toEqual({ percent: 100, message: 'almost', etaSeconds: null, updatedAt: new Date(T0 + 200).toISOString() });
    const failed = new ProgressTracker(false, T0, []);
    failed.apply(marker('::progress 40'), T0 + 100);
    failed.finish(false, T0 + 200);
    expect(failed.progress).toMatchObject({ percent: 40, etaSeconds: null });
    const nothing = new ProgressTracker(false, T0, []);
    nothing.finish(false, T0);
    expect(nothing.progress).toMatchObject({ percent: null, message: null });
  });
});
