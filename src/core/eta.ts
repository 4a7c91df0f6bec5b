/**
 * ETA from the rate of progress: an exponentially smoothed rate, so one fast or
 * slow step does not swing the estimate. Times are milliseconds from any clock.
 */
export class EtaEstimator {
  private start: { t: number; p: number } | null = null;
  private last: { t: number; p: number } | null = null;
  private rate: number | null = null; // percent per ms

  constructor(
    private readonly alpha = 0.2,
    private readonly minSampleMs = 500,
  ) {}

  /** `startedAt` is when the work began (progress 0). */
  begin(startedAt: number): void {
    this.start = { t: startedAt, p: 0 };
    this.last = { t: startedAt, p: 0 };
    this.rate = null;
  }

  update(now: number, percent: number): void {
    if (!this.start || !this.last) this.begin(now);
    const last = this.last!;
    if (percent < last.p) {
      // Progress went backwards (a new phase): start measuring again from here.
      this.start = { t: now, p: percent };
      this.last = { t: now, p: percent };
      this.rate = null;
      return;
    }
    const start = this.start!;
    if (this.rate === null) {
      // The first estimate waits for a second of history: a marker printed right at
      // the start would otherwise suggest an absurd rate that smoothing takes long to forget.
      if (now - start.t < 2 * this.minSampleMs || percent <= start.p) return;
      this.rate = (percent - start.p) / (now - start.t);
      this.last = { t: now, p: percent };
      return;
    }
    const dt = now - last.t;
    if (dt < this.minSampleMs) return;
    const inst = (percent - last.p) / dt;
    this.rate = this.alpha * inst + (1 - this.alpha) * this.rate;
    this.last = { t: now, p: percent };
  }

  /** Seconds left, or null when unknown (no rate yet, or no movement). */
  etaSeconds(now: number, percent: number): number | null {
    if (percent >= 100) return null;
    if (this.rate === null || !(this.rate > 0) || !this.last) return null;
    // Time since the last sample counts against the estimate, never below a second.
    const remaining = (100 - percent) / this.rate - Math.max(0, now - this.last.t);
    return Math.max(1, Math.round(remaining / 1000));
  }
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** ETA from earlier runs: median of the last few durations minus time spent; unknown once overdue. */
export function etaFromHistory(durationsMs: readonly number[], elapsedMs: number, lastN = 5): number | null {
  const m = median(durationsMs.slice(-lastN));
  if (m === null) return null;
  const left = (m - elapsedMs) / 1000;
  return left >= 1 ? Math.round(left) : null;
}
