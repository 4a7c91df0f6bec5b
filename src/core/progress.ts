// A running task's stage, progress and ETA as plain data: fed markers and a clock,
// so the worker's bookkeeping is tested without a process.
import { blendEta, EtaEstimator, etaFromHistory, smoothEta } from './eta.js';
import type { Marker } from './markers.js';
import type { ProgressState, StageState } from './task.js';

/** Overall percent of a task: finished stages plus the current stage's share. */
export function overallPercent(stageIndex: number, stageCount: number, stagePercent: number | null): number {
  if (stageCount <= 0) return stagePercent ?? 0;
  const within = Math.min(100, Math.max(0, stagePercent ?? 0)) / 100;
  return Math.min(100, ((stageIndex + within) / stageCount) * 100);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * In a pipeline, `::stage` names a phase of the current stage and a percent is the
 * stage's share of the whole; in a single command `::stage` names the stage. ETA comes
 * from the rate of measured progress, or from earlier runs' durations (`history`)
 * while nothing is measured.
 */
export class ProgressTracker {
  stage: StageState | null;
  progress: ProgressState | null;
  private message: string | null = null;
  private readonly eta = new EtaEstimator();
  /** The ETA last given (seconds, smoothed) and when: the next one moves from it. */
  private shown: { seconds: number; at: number } | null = null;

  constructor(
    private readonly pipeline: boolean,
    private readonly startedMs: number,
    private readonly history: readonly number[],
    initial: { stage?: StageState | null; progress?: ProgressState | null } = {},
  ) {
    this.stage = initial.stage ?? null;
    this.progress = initial.progress ?? null;
    this.eta.begin(startedMs);
  }

  /** A pipeline's stage begins: the message of the stage before goes. */
  beginStage(index: number, count: number, name: string): void {
    this.stage = { index, count, name, phase: null };
    this.message = null;
  }

  /**
   * A step's command started: a pipeline's bar moves to the stage's start, a single
   * command gets an ETA from earlier runs. True when that is worth a write of its own.
   */
  stepStarted(index: number, count: number, now: number): boolean {
    if (this.pipeline) {
      this.set(overallPercent(index, count, null), false, now);
      return true;
    }
    if (this.history.length) {
      this.progress = {
        percent: this.progress?.percent ?? null,
        message: this.message,
        etaSeconds: this.historyEta(now),
        etaSource: 'history' as const,
        updatedAt: iso(now),
      };
    }
    return false;
  }

  apply(m: Marker, now: number): void {
    if (m.kind === 'spend') return; // the task's spend, not its progress
    if (m.kind === 'stage') {
      if (this.pipeline && this.stage) this.stage = { ...this.stage, phase: m.name };
      else this.stage = { index: 0, count: 1, name: m.name, phase: null };
      return;
    }
    if (m.message) this.message = m.message;
    const st = this.stage;
    this.set(this.pipeline && st ? overallPercent(st.index, st.count, m.percent) : m.percent, true, now);
  }

  /** The task ended: full when completed, as far as it got otherwise; no ETA. */
  finish(completed: boolean, now: number): void {
    const percent = completed ? 100 : (this.progress?.percent ?? null);
    this.progress = { percent, message: this.progress?.message ?? null, etaSeconds: null, updatedAt: iso(now) };
  }

  private set(percent: number, measured: boolean, now: number): void {
    if (measured) this.eta.update(now, percent);
    // A stage that begins moves the bar without a marker: the rate measured so far still holds.
    const fromMarkers = this.eta.etaSeconds(now, percent);
    const fromHistory = this.historyEta(now);
    const estimate = blendEta(fromMarkers, fromHistory, percent);
    const etaSource = fromMarkers === null ? 'history' : fromHistory === null ? 'markers' : 'blend';
    let etaSeconds: number | null = null;
    if (estimate !== null) {
      const smooth = smoothEta(this.shown, estimate, now);
      this.shown = { seconds: smooth, at: now };
      etaSeconds = Math.round(smooth * 10) / 10;
    } else this.shown = null;
    this.progress = { percent, message: this.message, etaSeconds, ...(etaSeconds === null ? {} : { etaSource }), updatedAt: iso(now) };
  }

  private historyEta(now: number): number | null {
    return etaFromHistory(this.history, now - this.startedMs, 5, true);
  }
}
