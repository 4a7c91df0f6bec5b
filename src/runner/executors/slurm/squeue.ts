// squeue's answer, shared by every process of a state dir through `squeue.json`: a
// `status` asks Slurm once and leaves its answer there; `wait`, `logs -f`, a foreground
// task and each open dashboard use that answer while it is fresh (a few seconds, kept
// longer while nothing changes, with jitter), and one of them, holding locks/squeue.lock,
// asks again in the background when it is not. A controller that does not answer is
// asked again only after a backoff; meanwhile everyone uses the last answer and says so.
import { join } from 'node:path';
import { answeredCache, failedCache, retryInMs, sharedAnswerMs, statesFromCache, type JobCache } from '../../../core/slurm-cache.js';
import {
  isUnknownJobError,
  parseSqueue,
  parseSstat,
  SQUEUE_FORMAT,
  SSTAT_FORMAT,
  type JobInfo,
  type JobStates,
} from '../../../core/slurm.js';
import { writeFileAtomic } from '../../../store/atomic.js';
import type { StatePaths } from '../../../store/paths.js';
import { readOwnFile } from '../../../store/read-own.js';
import type { Freshness } from '../executor.js';
import { FileLock } from '../../lock.js';
import { firstLine, QUERY_TIMEOUT_MS, runSlurm } from './commands.js';

/** The state of these jobs in one squeue call, asked now; finished jobs are listed until Slurm's MinJobAge. */
export async function queryJobs(jobIds: Iterable<string>): Promise<JobStates> {
  const asked = new Set(jobIds);
  if (asked.size === 0) return { asked, found: new Map(), error: null };
  let r;
  try {
    r = await runSlurm('squeue', ['-h', '-t', 'all', '-O', SQUEUE_FORMAT, '-j', [...asked].join(',')], { timeoutMs: QUERY_TIMEOUT_MS });
  } catch (err) {
    return { asked, found: new Map(), error: (err as Error).message };
  }
  if (r.code === 0) return { asked, found: await withResources(parseSqueue(r.stdout)), error: null };
  // One unknown id is an error; several unknown ids are just not listed.
  if (isUnknownJobError(r.stderr)) return { asked, found: new Map(), error: null };
  return { asked, found: new Map(), error: `squeue: ${firstLine(r.stderr) || `exit code ${r.code}`}` };
}

/**
 * What the running jobs use, from `sstat` (one call for all of them), where the cluster
 * gathers it (JobAcctGatherType not none); else they stay without: nothing is guessed.
 */
async function withResources(found: Map<string, JobInfo>): Promise<Map<string, JobInfo>> {
  const running = [...found].filter(([, info]) => info.state === 'RUNNING').map(([id]) => id);
  if (running.length === 0) return found;
  try {
    const r = await runSlurm('sstat', ['-n', '-P', '-a', '-o', SSTAT_FORMAT, '-j', running.join(',')], { timeoutMs: QUERY_TIMEOUT_MS });
    if (r.code !== 0) return found;
    for (const [id, resources] of parseSstat(r.stdout)) {
      const info = found.get(id);
      if (info) found.set(id, { ...info, resources });
    }
  } catch {
    // no sstat (or it did not answer): the jobs show no resources
  }
  return found;
}

/** This process's place in the ±20 % of jitter: fixed, so its own checks agree with one another. */
const JITTER = Math.random();

export function jobCachePath(paths: StatePaths): string {
  return join(paths.home, 'squeue.json');
}

/** The shared answer, or null when there is none (or it cannot be read: then it is asked for anew). */
export function readJobCache(paths: StatePaths): JobCache | null {
  const file = readOwnFile(jobCachePath(paths), 4 * 1024 * 1024);
  if (!file.ok) return null;
  try {
    const c = JSON.parse(file.text) as JobCache;
    return typeof c.at === 'number' && Array.isArray(c.asked) && typeof c.found === 'object' && c.found !== null ? c : null;
  } catch {
    return null;
  }
}

function writeJobCache(paths: StatePaths, cache: JobCache): void {
  try {
    writeFileAtomic(jobCachePath(paths), JSON.stringify(cache));
  } catch {
    // A full or read-only disk: the answer is still used by this process, and asked for again later.
  }
}

/** Asks squeue about these jobs now and leaves the answer (or the failure) for everyone. */
async function ask(paths: StatePaths, wanted: ReadonlySet<string>): Promise<JobStates> {
  const r = await queryJobs(wanted);
  const now = Date.now();
  // Read again: another process may have answered or failed meanwhile.
  const prev = readJobCache(paths);
  if (r.error === null) {
    writeJobCache(paths, answeredCache(prev, now, wanted, r.found));
    return { ...r, at: now, stale: null };
  }
  const failed = failedCache(prev, now, r.error);
  writeJobCache(paths, failed);
  return statesFromCache(failed, wanted);
}

let background: Promise<unknown> | null = null;

/** One process at a time asks in the background (the others keep the answer they have). */
function askInBackground(paths: StatePaths, wanted: ReadonlySet<string>): void {
  if (background) return;
  const lock = new FileLock(join(paths.locks, 'squeue.lock'));
  let mine: boolean;
  try {
    mine = lock.tryOnce();
  } catch {
    mine = false;
  }
  if (!mine) return;
  background = ask(paths, wanted)
    .catch(() => undefined)
    .finally(() => {
      lock.release();
      background = null;
    });
}

/** Resolves once the question asked in the background (if any) has its answer: for tests and benchmarks. */
export function settled(): Promise<unknown> {
  return background ?? Promise.resolve();
}

/**
 * The state of these jobs. `now`: ask Slurm (one squeue) and wait for it, up to its
 * deadline; `shared`: the shared answer while fresh, else ask in the background and use
 * what there is; `cached`: only what is known, never a call (local work must never wait
 * for the cluster). A controller that failed moments ago is not asked again before its
 * backoff is over: the last answer is used, with why in `stale`.
 */
export async function jobStates(paths: StatePaths, ids: Iterable<string>, freshness: Freshness): Promise<JobStates> {
  const wanted = new Set(ids);
  if (wanted.size === 0) return { asked: wanted, found: new Map(), error: null, at: Date.now(), stale: null };
  const cache = readJobCache(paths);
  const now = Date.now();
  if (freshness === 'cached' || retryInMs(cache, now, JITTER) > 0) return statesFromCache(cache, wanted);
  if (freshness === 'now') return ask(paths, wanted);
  const covers = cache !== null && cache.failure === null && [...wanted].every((id) => cache.asked.includes(id));
  if (covers && now - cache.at < sharedAnswerMs(cache, JITTER)) return statesFromCache(cache, wanted);
  askInBackground(paths, wanted);
  return statesFromCache(cache, wanted);
}
