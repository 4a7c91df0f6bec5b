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

/**
 * The ETA from the markers and the one from earlier runs, as one: the further the task
 * is (`percent`), the more the markers count (their rate is measured over more of the
 * work), the less the earlier runs do. Either alone when the other is unknown.
 */
export function blendEta(markers: number | null, history: number | null, percent: number): number | null {
  if (markers === null) return history;
  if (history === null) return markers;
  const w = Math.min(1, Math.max(0, percent / 100));
  return w * markers + (1 - w) * history;
}

/**
 * An ETA that does not jump about (2s, 3s, 2s, 4s as each stage or file goes by): what
 * was shown before, counted down to `now`, moves toward the new estimate by a share that
 * grows with the time since (half of the way in `halfLifeMs`), however often markers
 * come. A correction of more than three times and ten seconds is taken at once (the first
 * markers of a run that starts slowly are no reason to show ten minutes for long).
 */
export function smoothEta(shown: { seconds: number; at: number } | null, estimate: number, now: number, halfLifeMs = 1500): number {
  if (!shown) return estimate;
  const counted = Math.max(0, shown.seconds - (now - shown.at) / 1000);
  const far = (estimate > counted * 3 || estimate * 3 < counted) && Math.abs(estimate - counted) > 10;
  if (far) return estimate;
  const share = 1 - Math.pow(0.5, Math.max(0, now - shown.at) / halfLifeMs);
  return counted + share * (estimate - counted);
}

/** ETA from earlier runs: median of the last few durations minus time spent; unknown once overdue. */
export function etaFromHistory(durationsMs: readonly number[], elapsedMs: number, lastN = 5, exact = false): number | null {
  const m = median(durationsMs.slice(-lastN));
  if (m === null) return null;
  const left = (m - elapsedMs) / 1000;
  if (exact) return left > 0 ? left : null;
  return left >= 1 ? Math.round(left) : null;
}
