// What the scheduler does with Slurm tasks. They stay `queued` while their job is
// pending and never count against maxParallelTasks (the cluster has its own limits):
//
//   submit   under the lock a queued task is claimed (`claimedAt`), sbatch runs after
//            the lock is released, and the job id is recorded under the lock again,
//            unless the job's worker already wrote it or a cancel came first
//            (then the new job is cancelled);
//   start    the worker of the job makes the first write itself, under the lock:
//            `running`, with its job and node (hand-over.ts, entries/worker.ts);
//   reap     a job that ended (or that Slurm no longer knows) while its task is not
//            final: the worker can no longer write it, so whoever finds it does.
import { recordedJob, requeuedJob } from '../core/slurm.js';
import { isBroken, isFinal, type Task, type TaskEntry } from '../core/task.js';
import { removeLaunchEnv } from '../store/launch-env.js';
import { Ledger } from '../store/ledger.js';
import type { TaskStore } from '../store/tasks.js';
import type { WorkerStates } from './executor.js';
import { executorFor } from './executors.js';
import type { Config } from '../store/config.js';

const SHARED_HINT =
  ' (is the state dir on a filesystem the nodes share, with Node.js and dev-tools at the same paths? see the job output in its log)';

/** A submission claimed this long ago with no job recorded: the process submitting it died. */
const SUBMIT_STALE_MS = 5 * 60_000;

interface ReapOptions {
  now: number;
  /** Held by the caller: needed for a queued task, whose job's worker may be making its first write. */
  underLock: boolean;
  /** `cancel` records its own cancel when Slurm killed the worker before it could. */
  status?: 'cancelled';
  reason?: string;
}

/**
 * Records a Slurm task whose job ended without a final state from its worker:
 * `interrupted`, with Slurm's state and exit status in the error (`cancelled` when a
 * dev-tools cancel asked for it). Re-reads first and writes only if the file still
 * shows the same job in the same state; a final state the worker left in its temp
 * file is recovered instead. Null when the job still runs or nothing is known.
 */
export function reapEndedJob(store: TaskStore, task: Task, states: WorkerStates | null | undefined, opts: ReapOptions): Task | null {
  if (isFinal(task.status) || (task.status === 'queued' && !opts.underLock)) return null;
  let reason: string;
  // A job that ran to its end without its worker ever writing: the worker could not find the task.
  let ranWithoutWorker = false;
  const jobId = task.slurm?.jobId;
  if (jobId) {
    const probe = states?.(task);
    if (probe?.state !== 'ended') return null;
    reason = probe.reason;
    ranWithoutWorker = probe.jobState === 'COMPLETED' || probe.jobState === 'FAILED';
  } else {
    const claimed = Date.parse(task.claimedAt ?? '');
    if (task.status !== 'queued' || !(opts.now - claimed > SUBMIT_STALE_MS)) return null;
    reason = 'the process submitting it to Slurm died before it recorded the job';
  }
  const fresh = store.read(task.id);
  if (!fresh || isBroken(fresh) || fresh.status !== task.status || fresh.slurm?.jobId !== task.slurm?.jobId) return null;
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
      `${reason}; ${started ? 'its worker recorded no end' : 'its worker never started'}${!started && ranWithoutWorker ? SHARED_HINT : ''}`,
  };
  store.write(reaped);
  // Its processes ended with the job: the records of them go too.
  ledger.remove();
  return reaped;
}

/** Under the scheduler lock: reaps the Slurm tasks whose job ended and claims the queued ones to submit. */
export function slurmUnderLock(store: TaskStore, tasks: Task[], states: WorkerStates | null, now: number, reaped: Task[]): Task[] {
  const claims: Task[] = [];
  for (const task of tasks) {
    const r = reapEndedJob(store, task, states, { now, underLock: true });
    if (r) {
      reaped.push(r);
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

/** Submits the claimed tasks (no lock held: sbatch waits for the controller). */
export async function submitJobs(store: TaskStore, config: Config, claims: Task[]): Promise<Submission[]> {
  const out: Submission[] = [];
  for (const task of claims) {
    try {
      const { jobId } = await executorFor(task, config).start(store, task);
      out.push(jobId ? { task, jobId } : { task, error: 'cannot submit to Slurm: sbatch gave no job id' });
    } catch (err) {
      out.push({ task, error: `cannot submit to Slurm: ${(err as Error).message}` });
    }
  }
  return out;
}

/**
 * Under the scheduler lock: records each job id (or the failure) on the task that is
 * still waiting for it. A job whose task was cancelled meanwhile is returned, to be
 * cancelled in turn; a task whose worker already wrote is left to it.
 */
export function recordSubmissions(store: TaskStore, submissions: Submission[]): { recorded: Task[]; stray: string[] } {
  const recorded: Task[] = [];
  const stray: string[] = [];
  for (const s of submissions) {
    const fresh = store.read(s.task.id);
    const jobId = 'jobId' in s ? s.jobId : null;
    const waiting =
      fresh && !isBroken(fresh) && fresh.status === 'queued' && fresh.slurm && !fresh.slurm.jobId && fresh.claimedAt === s.task.claimedAt;
    if (!waiting) {
      const known = fresh && !isBroken(fresh) && fresh.slurm?.jobId === jobId;
      if (jobId && !known) stray.push(jobId);
      continue;
    }
    const next: Task =
      'jobId' in s
        ? { ...fresh, slurm: { ...recordedJob(fresh.slurm), jobId: s.jobId, node: null } }
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

/**
 * A requeued job's new run finds its task `running` as that job: the first run's worker
 * was killed (Slurm stops every process of a job before it requeues it) and recorded no
 * end. Under the scheduler lock (held by the caller): the task is recorded
 * `interrupted`, saying so, if the file still shows that job running, and the new run
 * does not run it again.
 */
export function recordRequeued(store: TaskStore, found: TaskEntry | null, jobId: string): void {
  if (!found || isBroken(found) || found.status !== 'running' || found.slurm?.jobId !== jobId) return;
  const fresh = store.read(found.id);
  if (!fresh || isBroken(fresh) || fresh.status !== 'running' || fresh.slurm?.jobId !== jobId) return;
  if (store.recoverFinalTemp(fresh)) return;
  store.write({ ...fresh, status: 'interrupted', completedAt: new Date().toISOString(), error: requeuedJob(jobId) });
}
