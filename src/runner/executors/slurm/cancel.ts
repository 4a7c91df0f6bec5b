// Cancelling a Slurm task: plain `scancel <job>`. Slurm sends SIGTERM to every process
// of the job (the worker and each command group, setsid ones included) and SIGKILL after
// its KillWait; the worker records `cancelled`. `cancel` returns once the job has left
// the running states, so no process of the task is left anywhere.
import { TaskError } from '../../../core/errors.js';
import { jobVerdict, slurmRun } from '../../../core/slurm.js';
import { isBroken, isFinal, type Task } from '../../../core/task.js';
import type { Config } from '../../../store/config.js';
import { removeLaunchEnv } from '../../../store/launch-env.js';
import { Ledger } from '../../../store/ledger.js';
import type { TaskStore } from '../../../store/tasks.js';
import { runFinishHook } from '../../finish-hook.js';
import { underSchedulerLock } from '../../scheduler.js';
import { sleep } from '../../sleep.js';
import { NotRunning, type Cancelled } from '../executor.js';
import { cancelJob, SlurmUnavailable } from './commands.js';
import { reapSlurmTask } from './reap.js';
import { queryJobs } from './squeue.js';

const POLL_MS = 250;
/** Slurm's KillWait is not known here (30 s by default): how long past the grace a job may take to end. */
const JOB_END_MARGIN_MS = 90_000;

/** Polls until the job has ended (left PENDING, RUNNING, COMPLETING...): how it ended; null at the deadline. */
async function untilEnded(jobId: string, timeoutMs: number): Promise<{ reason: string } | { error: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await queryJobs([jobId]);
    const v = jobVerdict(jobs, jobId);
    if (v.kind === 'ended') return { reason: v.reason };
    if (Date.now() >= deadline) return { error: jobs.error };
    await sleep(POLL_MS);
  }
}

function notEnded(jobId: string, error: string | null): string {
  return `Slurm job ${jobId} has not ended yet (${error ?? 'see squeue -j ' + jobId})`;
}

function slurmError(err: unknown, prefix = ''): never {
  if (err instanceof SlurmUnavailable) throw new TaskError(`${prefix}${err.message}`);
  throw err;
}

/**
 * Cancels a queued task whose job is submitted: Slurm cancels the job first, and the
 * task is recorded `cancelled` only once Slurm says the job ended. A cancel Slurm did
 * not take (no controller) changes nothing and says so: the task still runs when its
 * job does. A worker that starts meanwhile finds the mark and records the cancel itself.
 */
async function cancelQueuedJob(store: TaskStore, config: Config, task: Task): Promise<Cancelled> {
  const jobId = slurmRun(task)!.jobId!;
  const ledger = new Ledger(store.paths, task.id);
  const marked = ledger.markCancel();
  try {
    await cancelJob(jobId);
  } catch (err) {
    if (marked) {
      ledger.withdrawCancel();
      if (!ledger.read()?.worker) ledger.removeFolder();
    }
    if (err instanceof SlurmUnavailable) throw new TaskError(`task ${task.id} is not cancelled: ${err.message}`);
    throw err;
  }
  const ended = await untilEnded(jobId, config.cancelGraceMs + JOB_END_MARGIN_MS);
  if ('error' in ended) throw new TaskError(`task ${task.id}: asked Slurm to cancel it, but ${notEnded(jobId, ended.error)}`);
  const final = await underSchedulerLock(store, 10_000, () => {
    const fresh = store.get(task.id);
    if (fresh.status === 'queued') {
      const cancelled: Task = { ...fresh, status: 'cancelled', completedAt: new Date().toISOString() };
      store.write(cancelled);
      removeLaunchEnv(store.paths, task.id);
      return { task: cancelled, recorded: true };
    }
    // Its worker started before the job was cancelled: it recorded the cancel, or Slurm killed it first.
    const reaped = reapSlurmTask(store, fresh, () => ({ state: 'ended', reason: ended.reason }), {
      now: Date.now(),
      underLock: true,
      status: 'cancelled',
      reason: `Slurm killed its worker before it recorded the cancel (the cluster's KillWait is shorter than cancelGraceMs)`,
    });
    return { task: reaped ?? fresh, recorded: !!reaped };
  });
  if (!ledger.read()?.worker) ledger.remove();
  if (final.recorded) runFinishHook(store, config, final.task);
  const how = final.task.status === 'cancelled' ? 'cancelled' : `ended as ${final.task.status}`;
  const ran = final.task.startedAt ? `Slurm job ${jobId}` : `it was queued as Slurm job ${jobId} and never started`;
  return { task: final.task, message: `${how} ${task.id} (${ran})` };
}

/**
 * Cancels a running Slurm task: marks the cancel in its ledger (so its worker records
 * `cancelled`, not a stop by the cluster), scancels the job, and waits for the job to
 * end. A worker that Slurm killed before it could record the cancel (a KillWait shorter
 * than cancelGraceMs) is recorded `cancelled` here.
 */
async function cancelRunningJob(store: TaskStore, config: Config, task: Task): Promise<Cancelled> {
  const jobId = slurmRun(task)!.jobId!;
  await scancelMarked(store, task, jobId).catch((err: unknown) => slurmError(err, `task ${task.id} is not cancelled: `));
  const ended = await untilEnded(jobId, config.cancelGraceMs + JOB_END_MARGIN_MS);
  if ('error' in ended) throw new TaskError(`task ${task.id}: ${notEnded(jobId, ended.error)}`);
  const fresh = store.read(task.id);
  let final = fresh && !isBroken(fresh) ? fresh : task;
  if (!isFinal(final.status)) {
    final =
      reapSlurmTask(store, final, () => ({ state: 'ended', reason: ended.reason }), {
        now: Date.now(),
        underLock: false,
        status: 'cancelled',
        reason: `Slurm killed its worker before it recorded the cancel (the cluster's KillWait is shorter than cancelGraceMs)`,
      }) ?? store.get(task.id);
  }
  const how = final.status === 'cancelled' ? 'cancelled' : `ended as ${final.status}`;
  return { task: final, message: `${how} ${task.id} (Slurm job ${jobId})` };
}

/**
 * A Slurm task in Slurm's hands: a queued one whose job is submitted, or a running one.
 * (A queued task not yet submitted is cancelled where it waits, by runner/cancel.ts.)
 */
export async function cancelSlurmTask(store: TaskStore, config: Config, task: Task): Promise<Cancelled> {
  if (isFinal(task.status)) throw new NotRunning(task);
  return task.status === 'queued' ? cancelQueuedJob(store, config, task) : cancelRunningJob(store, config, task);
}

/** Marks a cancel in the task's ledger, then scancels its job (the worker reads the mark when the SIGTERM comes). */
async function scancelMarked(store: TaskStore, task: Task, jobId: string): Promise<void> {
  // Made first, so the worker knows the SIGTERM that comes is this cancel (not a time limit, not an admin).
  const ledger = new Ledger(store.paths, task.id);
  let marked = false;
  try {
    // A mark left by an earlier cancel that Slurm took is not this one's to withdraw.
    marked = !ledger.cancelRequested();
    ledger.requestCancel();
  } catch {
    // no ledger (the worker has not started or has ended): the job is all there is to stop
  }
  try {
    await cancelJob(jobId);
  } catch (err) {
    // Not cancelled: a stop that comes later from outside (a time limit, an admin) must not read as this cancel.
    if (marked) ledger.withdrawCancel();
    throw err;
  }
}
