// Tasks of an executor with a queue of its own (a cluster): they stay `queued` while
// their job waits, and never count against maxParallelTasks (the cluster has its own
// limits). What the scheduler does with them, whatever the executor:
//
//   claim    under the lock a queued task is claimed (`claimedAt`);
//   submit   after the lock is released (a controller may be slow), the executor
//            starts it; the job id is recorded under the lock again, unless the job's
//            worker already wrote it or a cancel came first (then the job is withdrawn);
//   start    the worker of the job makes the first write itself, under the lock:
//            `running`, with its job and node (hand-over.ts, entries/worker.ts);
//   reap     a job that ended (or that its cluster no longer knows) while its task is
//            not final: the worker can no longer write it, so whoever finds it does.
import { isBroken, isFinal, jobOf, submittedJob, withSubmittedJob, type Task } from '../../core/task.js';
import type { Config } from '../../store/config.js';
import { removeLaunchEnv } from '../../store/launch-env.js';
import { Ledger } from '../../store/ledger.js';
import type { TaskStore } from '../../store/tasks.js';
import type { ReapOptions, WorkerStates } from './executor.js';
import { runFinishHook } from '../finish-hook.js';
import { executorFor } from './registry.js';

/** A submission claimed this long ago with no job recorded: the process submitting it died. */
const SUBMIT_STALE_MS = 5 * 60_000;

/** What an executor says in a reaped task's error. */
export interface JobWords {
  /** The system its jobs run on (`Slurm`). */
  system: string;
  /** Added when a job ran to its end and its worker never wrote: why it could not find the task. */
  ranWithoutWorker: string;
}

/**
 * Records a task whose job ended without a final state from its worker: `interrupted`,
 * with what the executor says of the job's end in the error (`cancelled` when a
 * dev-tools cancel asked for it). Re-reads first and writes only if the file still
 * shows the same job in the same state; a final state the worker left in its temp
 * file is recovered instead. Null when the job still runs or nothing is known.
 */
export function reapEndedJob(
  store: TaskStore,
  task: Task,
  states: WorkerStates | null | undefined,
  opts: ReapOptions & { now: number },
  words: JobWords,
): Task | null {
  if (isFinal(task.status) || task.status === 'waiting' || (task.status === 'queued' && !opts.underLock)) return null;
  let reason: string;
  // A job that ran to its end without its worker ever writing: the worker could not find the task.
  let ranWithoutWorker = false;
  const jobId = submittedJob(task);
  if (jobId) {
    const probe = states?.(task);
    if (probe?.state !== 'ended') return null;
    reason = probe.reason;
    ranWithoutWorker = !!probe.ranToEnd;
  } else {
    const claimed = Date.parse(task.claimedAt ?? '');
    if (task.status !== 'queued' || !(opts.now - claimed > SUBMIT_STALE_MS)) return null;
    reason = `the process submitting it to ${words.system} died before it recorded the job`;
  }
  const fresh = store.read(task.id);
  if (!fresh || isBroken(fresh) || fresh.status !== task.status || submittedJob(fresh) !== jobId) return null;
  removeLaunchEnv(store.paths, task.id);
  const ledger = new Ledger(store.paths, task.id);
  const started = fresh.status === 'running';
  const recovered = started ? store.recoverFinalTemp(fresh) : null;
  if (recovered) {
    ledger.remove();
    return recovered;
  }
  const cancelled = opts.status === 'cancelled' || ledger.cancelRequested();
  const reaped: Task = {
    ...fresh,
    status: cancelled ? 'cancelled' : 'interrupted',
    completedAt: new Date(opts.now).toISOString(),
    error:
      opts.reason ??
      `${reason}; ${started ? 'its worker recorded no end' : 'its worker never started'}${!started && ranWithoutWorker ? words.ranWithoutWorker : ''}`,
  };
  store.write(reaped);
  // Its processes ended with the job: the records of them go too.
  ledger.remove();
  return reaped;
}

/** Under the scheduler lock: records the tasks whose job ended (into `reaped`; their hooks run), and claims the queued ones to submit. */
export function claimJobs(
  store: TaskStore,
  config: Config,
  tasks: Task[],
  states: WorkerStates | null,
  now: number,
  reaped: Task[],
): Task[] {
  const claims: Task[] = [];
  for (const task of tasks) {
    const r = executorFor(task, config).reap(store, config, task, { states, now, underLock: true });
    if (r) {
      reaped.push(r);
      // Its worker never ran the hook (it never started, or was killed with its job).
      runFinishHook(store, config, r);
      continue;
    }
    if (task.status !== 'queued' || task.claimedAt) continue;
    const claim: Task = { ...task, claimedAt: new Date(now).toISOString() };
    try {
      store.write(claim);
    } catch {
      break; // a claim that cannot be written (full disk): the next scheduler run tries again
    }
    claims.push(claim);
  }
  return claims;
}

export type Submission = { task: Task; jobId: string } | { task: Task; error: string };

/** Submits the claimed tasks (no lock held: a controller may be slow to answer). */
export async function submitJobs(store: TaskStore, config: Config, claims: Task[]): Promise<Submission[]> {
  const out: Submission[] = [];
  for (const task of claims) {
    const executor = executorFor(task, config);
    const system = executor.describe(task)?.system ?? task.executor;
    try {
      const { jobId } = await executor.start(store, task);
      out.push(jobId ? { task, jobId } : { task, error: `cannot submit to ${system}: it gave no job id` });
    } catch (err) {
      out.push({ task, error: `cannot submit to ${system}: ${(err as Error).message}` });
    }
  }
  return out;
}

/**
 * Under the scheduler lock: records each job id (or the failure) on the task that is
 * still waiting for it. A job whose task was cancelled meanwhile is returned, to be
 * withdrawn in turn; a task whose worker already wrote is left to it.
 */
export function recordSubmissions(store: TaskStore, submissions: Submission[]): { recorded: Task[]; stray: Submission[] } {
  const recorded: Task[] = [];
  const stray: Submission[] = [];
  for (const s of submissions) {
    const fresh = store.read(s.task.id);
    const jobId = 'jobId' in s ? s.jobId : null;
    const job = fresh && !isBroken(fresh) ? jobOf(fresh) : null;
    const waiting = fresh && !isBroken(fresh) && fresh.status === 'queued' && job && !job.jobId && fresh.claimedAt === s.task.claimedAt;
    if (!waiting) {
      const known = job?.jobId === jobId;
      if (jobId && !known) stray.push(s);
      continue;
    }
    const next: Task =
      'jobId' in s
        ? withSubmittedJob(fresh, s.jobId)
        : { ...fresh, status: 'failed', completedAt: new Date().toISOString(), error: s.error };
    try {
      store.write(next);
      if ('error' in s) removeLaunchEnv(store.paths, s.task.id);
      recorded.push(next);
    } catch {
      // the job's worker records its own job id when it starts; a failure is reaped as stale later
    }
  }
  return { recorded, stray };
}
