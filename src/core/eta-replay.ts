// A recorded run replayed through the worker's progress tracker, as the dashboard would
// have shown its ETA, and scored against how long the run really took: the ETA figures
// of `npm run bench` (bench/eta.js) and the ETA tests, on runs bench/eta-record.js recorded.
import { parseMarker } from './markers.js';
import { ProgressTracker } from './progress.js';
import type { ProgressState } from './task.js';
import { currentEta } from './task-view.js';

/** `['stage', ms, index, count]` as a pipeline's stage begins; `['marker', ms, line]` as a marker line comes. */
export type RunEvent = ['stage', number, number, number] | ['marker', number, string];

export interface RecordedRun {
  durationMs: number;
  events: RunEvent[];
}

export interface EtaSample {
  /** ms since the run started. */
  at: number;
  /** What the table shows, in seconds (0 is `<1s`); null is `-`. */
  shown: number | null;
  /** Seconds the run really had left. */
  remaining: number;
  /** The overall percent the dashboard shows then. */
  percent: number | null;
}

/**
 * The ETA a reader shows every `stepMs` of a run. The worker writes progress at most once
 * a second (runner/state-writer.ts) and a stage's start at once; between writes the shown
 * ETA counts down from the last one written (currentEta).
 */
export function replayEta(run: RecordedRun, pipeline: boolean, history: readonly number[], stepMs = 250, writeEveryMs = 1000): EtaSample[] {
  const tracker = new ProgressTracker(pipeline, 0, history);
  let written: ProgressState | null = null;
  let lastWrite = -Infinity;
  let dirty = false;
  const write = (at: number) => {
    written = tracker.progress ? { ...tracker.progress } : null;
    lastWrite = at;
    dirty = false;
  };
  if (!pipeline) {
    tracker.stepStarted(0, 1, 0);
    write(0);
  }
  const samples: EtaSample[] = [];
  let next = 0;
  const sampleUntil = (until: number) => {
    for (; next <= until && next < run.durationMs; next += stepMs) {
      if (dirty && next >= lastWrite + writeEveryMs) write(lastWrite + writeEveryMs);
      const shown = currentEta({ status: 'running', progress: written }, next);
      samples.push({ at: next, shown, remaining: (run.durationMs - next) / 1000, percent: written?.percent ?? null });
    }
  };
  for (const event of run.events) {
    sampleUntil(event[1] - 1);
    const at = event[1];
    if (event[0] === 'stage') {
      const [, , index, count] = event;
      tracker.beginStage(index, count, `stage ${index + 1}`);
      tracker.stepStarted(index, count, at);
      write(at);
      continue;
    }
    const marker = parseMarker(event[2]);
    if (!marker) continue;
    tracker.apply(marker, at);
    if (at >= lastWrite + writeEveryMs) write(at);
    else dirty = true;
  }
  sampleUntil(run.durationMs);
  return samples;
}

/** The textbook ETA, for comparison: the time so far stretched over what is left (as `pv` does), no history. */
export function linearEta(samples: readonly EtaSample[]): EtaSample[] {
  return samples.map((s) => {
    const p = s.percent;
    const shown = p !== null && p > 0 && p < 100 ? Math.max(0, ((s.at / 1000) * (100 - p)) / p) : null;
    return { ...s, shown };
  });
}

export interface EtaScore {
  /** Mean |shown − real remaining| over the samples with an ETA, as a share of the run's length. */
  error: number;
  /** Share of the samples that showed no ETA (`-`). */
  unknown: number;
  /** Times the shown ETA went up by a second or more from one sample to the next. */
  jumpsUp: number;
}

export function scoreEta(samples: readonly EtaSample[]): EtaScore {
  const total = samples.length ? samples[0]!.remaining : 0;
  const known = samples.filter((s) => s.shown !== null);
  const error = known.length && total > 0 ? known.reduce((sum, s) => sum + Math.abs(s.shown! - s.remaining), 0) / known.length / total : 0;
  let jumpsUp = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!.shown;
    const b = samples[i]!.shown;
    if (a !== null && b !== null && b - a >= 1) jumpsUp++;
  }
  return { error, unknown: samples.length ? 1 - known.length / samples.length : 0, jumpsUp };
}
