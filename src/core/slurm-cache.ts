// The shared squeue answer as data: how long it is good for (kept longer while it does
// not change, with jitter), the backoff after a controller that did not answer, and the
// warning line. The file and the calls are src/runner/executors/slurm/squeue.ts.
import type { JobInfo, JobStates } from './slurm.js';

/**
 * squeue's answer as every process of a state dir shares it (`squeue.json`): `wait`,
 * `logs -f` and each open dashboard read it instead of asking Slurm each second.
 */
export interface JobCache {
  /** When Slurm gave this answer (epoch ms). */
  at: number;
  asked: string[];
  found: Record<string, JobInfo>;
  /** Answers in a row that said the same: the shared answer is kept longer each time. */
  unchanged: number;
  /** The last attempts failed (the controller did not answer): when, why, how many in a row. */
  failure: { at: number; message: string; count: number } | null;
}

/** How long a shared answer is used at first, and at most when nothing changes. */
export const SHARED_ANSWER_MS = 3000;
export const SHARED_ANSWER_MAX_MS = 30_000;
/** After a failed call, how long nobody asks again at first, and at most. */
export const RETRY_MS = 5000;
export const RETRY_MAX_MS = 60_000;

/** ±20 %: processes that read the same answer do not all ask again at the same moment. */
function jittered(ms: number, jitter: number): number {
  return Math.round(ms * (0.8 + 0.4 * Math.min(1, Math.max(0, jitter))));
}

/** How long this answer is good for (it doubles with each unchanged answer); `jitter` in [0, 1]. */
export function sharedAnswerMs(cache: Pick<JobCache, 'unchanged'>, jitter: number): number {
  return jittered(Math.min(SHARED_ANSWER_MAX_MS, SHARED_ANSWER_MS * 2 ** Math.min(cache.unchanged, 10)), jitter);
}

/** How long to wait before asking a controller that did not answer (0: ask now). */
export function retryInMs(cache: Pick<JobCache, 'failure'> | null, now: number, jitter: number): number {
  const f = cache?.failure;
  if (!f) return 0;
  const wait = jittered(Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** Math.min(f.count - 1, 10)), jitter);
  return Math.max(0, f.at + wait - now);
}

/** Whether two answers say the same of every job (the time used, which always moves, aside). */
export function sameJobs(a: Record<string, JobInfo>, b: Record<string, JobInfo>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((id) => {
    const x = a[id]!;
    const y = b[id];
    return !!y && x.state === y.state && x.node === y.node && x.reason === y.reason && x.exitStatus === y.exitStatus;
  });
}

/** The cache after an answer. */
export function answeredCache(prev: JobCache | null, at: number, asked: Iterable<string>, found: ReadonlyMap<string, JobInfo>): JobCache {
  const next = Object.fromEntries(found);
  const same = prev !== null && prev.failure === null && sameJobs(prev.found, next);
  return { at, asked: [...asked], found: next, unchanged: same ? prev.unchanged + 1 : 0, failure: null };
}

/** The cache after a failed call: the last answer is kept, with why it could not be renewed. */
export function failedCache(prev: JobCache | null, at: number, message: string): JobCache {
  return {
    at: prev?.at ?? 0,
    asked: prev?.asked ?? [],
    found: prev?.found ?? {},
    unchanged: 0,
    failure: { at, message, count: (prev?.failure?.count ?? 0) + 1 },
  };
}

/** The cached answer for these jobs; a job it was not asked about stays unknown. */
export function statesFromCache(cache: JobCache | null, wanted: Iterable<string>): JobStates {
  const failure = cache?.failure?.message ?? null;
  if (!cache || cache.at === 0) return { asked: new Set(), found: new Map(), error: failure, at: 0 };
  const known = new Set(cache.asked);
  const asked = new Set([...wanted].filter((id) => known.has(id)));
  const found = new Map(Object.entries(cache.found).filter(([id]) => asked.has(id)));
  return { asked, found, error: null, at: cache.at, stale: failure };
}

/** One warning line when Slurm could not be asked now; null when the answer is fresh. */
export function slurmWarning(jobs: Pick<JobStates, 'error' | 'stale' | 'at'> | null | undefined, now: number): string | null {
  if (!jobs) return null;
  if (jobs.error !== null) return `cannot ask Slurm about its jobs (${jobs.error}); their state may be out of date`;
  if (!jobs.stale) return null;
  const age = Math.max(0, Math.round((now - (jobs.at ?? now)) / 1000));
  return `cannot ask Slurm about its jobs (${jobs.stale}); showing its answer of ${age} s ago`;
}
