// The only way into `running`: the scheduler lock, and the slot rule (claims and
// admission of the tasks held to maxParallelTasks). Executors do the rest: a task's
// executor reaps it, starts its worker, and claims and submits those with a queue of
// their own (executors/jobs.ts); the sweeps for crash leftovers are maintenance.ts's.
import { join } from 'node:path';
import { describeError, TaskError } from '../core/errors.js';
import { checkIdInput } from '../core/ids.js';
import { compareQueued, dependencyVerdict, planQueue, type DependencyState, type QueueInput, type QueuePlan } from '../core/queue.js';
import { isBroken, isLocal, submittedJob, type Task } from '../core/task.js';
import { projectConfig, type Config } from '../store/config.js';
import { readPause } from '../store/pause.js';
import { removeLaunchEnv } from '../store/launch-env.js';
import { clearFinishPending } from '../store/finish-hook.js';
import type { TaskStore } from '../store/tasks.js';
import type { Freshness, ReapOptions, WorkerStates } from './executors/executor.js';
import { claimJobs, recordSubmissions, submitJobs } from './executors/jobs.js';
import { executorFor, isKnown, usesSlots, workerStates } from './executors/registry.js';
import { runFinishHook } from './finish-hook.js';
import { sweepWaitingHooks } from './waiting-hook.js';
import { FileLock } from './lock.js';
import { sweepStrayCgroups } from './containment.js';
import { claimMaintenance, sweepFinishHooks, sweepOrphansWithoutLock, sweepStaleFiles } from './maintenance.js';
import { sweepLedgers } from './orphans.js';
import { testPoint } from './test-stop.js';

function schedulerLock(store: TaskStore): FileLock {
  return new FileLock(join(store.paths.locks, 'scheduler.lock'));
}

const BUSY = 'the scheduler is busy (lock held); try again';

/** Runs `body` holding the scheduler lock; a lock still busy after `waitMs` is a TaskError saying so. */
export async function underSchedulerLock<T>(store: TaskStore, waitMs: number, body: () => T, busy = BUSY): Promise<T> {
  const lock = schedulerLock(store);
  if (!(await lock.acquire(waitMs))) throw new TaskError(busy);
  try {
    return body();
  } finally {
    lock.release();
  }
}

/**
 * Records an active task whose worker (or job) is gone as `interrupted`, as its executor
 * tells it (see Executor.reap), and runs its onFinish hook: its worker never did (it
 * died before or just after its final write).
 */
export function reapIfDead(store: TaskStore, task: Task, config: Config, opts: ReapOptions = {}): Task | null {
  const reaped = executorFor(task, config).reap(store, config, task, opts);
  if (reaped) runFinishHook(store, config, reaped);
  return reaped;
}

interface ScheduleOptions {
  lockWaitMs?: number;
  /**
   * How fresh the answer of an executor with a queue of its own (a cluster) must be
   * (default `cached`: no waiting on a cluster); or a choice made from their active
   * tasks (`status` asks only when it shows some).
   */
  jobs?: Freshness | ((remote: Task[]) => Freshness);
  /**
   * `--no-queue`: creates the task under the same lock, only while a slot is free for
   * it (tasks already queued take free slots first); else a TaskError. A lock still
   * busy after `lockWaitMs` is a TaskError too.
   */
  admit?: () => Task;
}

export interface ScheduleResult {
  locked: boolean;
  /** The task `admit` created. */
  admitted?: Task;
  started: Task[];
  /** Worker pid of each task started by this step. */
  workerPids: Record<string, number>;
  /** Tasks of executors with a queue of their own that this step submitted (their job ids are in their files). */
  submitted: Task[];
  reaped: Task[];
  /** Queued tasks that failed because a dependency did not complete (a submitted cluster job of one is withdrawn). */
  dependencyFailed: Task[];
  /** Tasks holding a slot: running, or final with a command group still alive. */
  running: number;
  queued: Task[];
  /** What the executors with a queue of their own said of their tasks (one query each), for callers that reap on their own. */
  states: WorkerStates | null;
}

/**
 * The only way into `running`: under the scheduler lock, reap dead workers, count
 * what holds a slot (running tasks, and tasks whose command group is still alive),
 * claim queued tasks in order while there is room. Workers are spawned after the
 * lock is released; if one cannot be started, its task fails and the claiming goes on.
 */
/** A scheduler run that did nothing (no lock taken), with `running` tasks counted. */
export function noSchedule(running: number): ScheduleResult {
  return { locked: false, started: [], workerPids: {}, submitted: [], reaped: [], dependencyFailed: [], running, queued: [], states: null };
}

export async function schedule(store: TaskStore, config: Config, opts: ScheduleOptions = {}): Promise<ScheduleResult> {
  const lock = schedulerLock(store);
  const result = noSchedule(0);
  // Executors with a queue of their own are asked before the lock is taken (a slow controller must never
  // hold it), all their tasks in one query; a job seen ended stays ended, so reaping by this answer under the lock is sound.
  // A task waiting for a person has no job and no worker: nothing to ask about.
  const remote = store.listActive().filter((e): e is Task => !isBroken(e) && e.status !== 'waiting' && !usesSlots(e, config));
  const freshness = typeof opts.jobs === 'function' ? opts.jobs(remote) : (opts.jobs ?? 'cached');
  if (remote.length) result.states = await workerStates(store, remote, config, freshness);
  const locked = await lock.acquire(opts.lockWaitMs ?? 5000);
  if (!locked && opts.admit) throw new TaskError(BUSY);
  const maintenance = claimMaintenance(store.paths);
  if (!locked) {
    // No task file is written without the lock, but orphaned command groups can still be seen to.
    if (maintenance) sweepOrphansWithoutLock(store, config);
    return result;
  }
  result.locked = true;
  for (let round = 0; ; round++) {
    let claimed: Task[];
    try {
      const first = round === 0 ? { maintenance, admit: opts.admit } : {};
      claimed = claimUnderLock(store, config, result, first, () => lock.stillHeld());
    } finally {
      lock.release();
    }
    let failed = 0;
    const jobs: Task[] = [];
    for (const task of claimed) {
      const executor = executorFor(task, config);
      if (executor.queue === 'own') {
        jobs.push(task);
        continue;
      }
      try {
        result.workerPids[task.id] = (await executor.start(store, task)).pid!;
        result.started.push(task);
      } catch (err) {
        failed++;
        // No worker exists, so this write cannot race one; if even it fails, the task is reaped later.
        try {
          const failedTask: Task = {
            ...task,
            status: 'failed',
            completedAt: new Date().toISOString(),
            error: `cannot start worker: ${(err as Error).message}`,
          };
          store.write(failedTask);
          removeLaunchEnv(store.paths, task.id);
          runFinishHook(store, config, failedTask);
        } catch {
          // reaped as "never started" after STARTING_MS
        }
      }
    }
    if (jobs.length) await submit(store, config, jobs, result);
    if (round === 0) await withdrawFailed(store, config, result.dependencyFailed);
    // A start that failed freed its slot again: claim on, or the queue would wait for the next caller.
    if (failed === 0 || round >= 20 || !(await lock.acquire(opts.lockWaitMs ?? 5000))) break;
  }
  if (maintenance) {
    sweepFinishHooks(store, config);
    sweepWaitingHooks(store, config);
    sweepStrayCgroups(store.paths);
  }
  return result;
}

/** The cluster jobs of tasks that failed for a dependency: they would wait in its queue forever. */
async function withdrawFailed(store: TaskStore, config: Config, failed: Task[]): Promise<void> {
  for (const task of failed) {
    const jobId = submittedJob(task);
    if (jobId)
      await executorFor(task, config)
        .withdraw(store, { jobId })
        .catch(() => undefined);
  }
}

/** Submits claimed tasks of executors with a queue of their own after the lock, then records their jobs under it (a few ms). */
async function submit(store: TaskStore, config: Config, claims: Task[], result: ScheduleResult): Promise<void> {
  const submissions = await submitJobs(store, config, claims);
  const done = await underSchedulerLock(store, 60_000, () => recordSubmissions(store, submissions)).catch(() => null);
  if (!done) return; // unrecorded: each job's worker records its own job id when it starts
  result.submitted.push(...done.recorded.filter((t) => submittedJob(t)));
  // A job whose task was cancelled while it was being submitted.
  for (const s of done.stray) {
    if ('jobId' in s)
      await executorFor(s.task, config)
        .withdraw(store, { jobId: s.jobId })
        .catch(() => undefined);
  }
}

/** `held`: whether this process still holds the lock (it may have been stopped and the lock broken). */
function claimUnderLock(
  store: TaskStore,
  config: Config,
  result: ScheduleResult,
  first: { maintenance?: boolean; admit?: () => Task },
  held: () => boolean,
): Task[] {
  const now = Date.now();
  const busy = new Set<string>();
  const queued: Task[] = [];
  const remote: Task[] = [];
  const active = new Map<string, Task>();
  for (const entry of store.listActive()) {
    if (isBroken(entry)) continue;
    active.set(entry.id, entry);
    // Waiting for a person: it holds no slot and no job until an approval queues it again.
    if (entry.status === 'waiting') continue;
    // A cluster's queue and limits apply to a task of an executor with a queue of its own, not maxParallelTasks.
    if (!usesSlots(entry, config)) {
      // One of an executor type a newer version wrote is left to that version.
      if (isKnown(entry)) remote.push(entry);
    } else if (entry.status === 'running') {
      const reaped = reapIfDead(store, entry, config, { now, underLock: true });
      if (reaped) result.reaped.push(reaped);
      else busy.add(entry.id);
    } else if (entry.status === 'queued') {
      queued.push(entry);
    } else {
      store.archive(entry); // a final task left behind by a crash between write and move
    }
  }
  // A task whose command group outlived its worker holds its slot until the group is gone.
  for (const id of sweepLedgers(store.paths, config.cancelGraceMs, busy)) busy.add(id);
  if (first.maintenance) sweepStaleFiles(store, active);
  const input = queueInput(store, config, active, busy);
  // Cluster tasks: those whose dependencies failed end here; the others are claimed only when the plan lets them.
  const remotePlan = planQueue({ ...input, queued: remote.filter((t) => t.status === 'queued' && !t.claimedAt), remote: () => true });
  failDependents(store, config, remotePlan.fail, result);
  const submittedAfter = remote.filter((t) => t.status === 'queued' && t.claimedAt && t.after?.length);
  failDependents(store, config, failedSubmitted(submittedAfter, input.dependency), result);
  const mayClaim = new Set(remotePlan.start.map((t) => t.id));
  const claims = claimJobs(
    store,
    config,
    remote.filter(
      (t) => !(t.status === 'queued' && !t.claimedAt && !mayClaim.has(t.id)) && !result.dependencyFailed.some((f) => f.id === t.id),
    ),
    result.states,
    now,
    result.reaped,
  );
  if (first.admit) {
    // Queued tasks go first, so they take free slots; the figure shown counts only what holds one.
    if (busy.size + queued.length >= config.maxParallelTasks) {
      const waiting = queued.length ? `, ${queued.length} queued ahead` : '';
      throw new TaskError(`Max parallel tasks reached (${busy.size}/${config.maxParallelTasks})${waiting}`);
    }
    if (!held()) throw new TaskError(BUSY);
    result.admitted = first.admit();
    queued.push(result.admitted);
  }
  const plan = planQueue({ ...input, queued });
  failDependents(store, config, plan.fail, result, held);
  const claimed: Task[] = [];
  let failure: unknown = null;
  try {
    for (const task of plan.start) {
      // Stopped while holding the lock, and it was broken meanwhile: what was counted may be stale.
      if (!held()) break;
      const running: Task = { ...task, status: 'running', claimedAt: new Date().toISOString() };
      store.write(running);
      claimed.push(running);
    }
  } catch (err) {
    // A claim that cannot be written (full disk) stops claiming; what was claimed still starts.
    failure = err;
  }
  const admitted = result.admitted;
  if (admitted && !claimed.some((t) => t.id === admitted.id)) {
    // `--no-queue` promised to start it or to refuse: nothing of it stays (under the lock, nobody else saw it).
    store.discardQueued(admitted.id);
    removeLaunchEnv(store.paths, admitted.id);
    clearFinishPending(store.paths, admitted.id);
    result.admitted = undefined;
    throw new TaskError(`cannot start the task now${failure ? ` (${describeError(failure)})` : ''}; nothing was created`);
  }
  if (failure && claimed.length === 0) throw failure;
  result.running = busy.size + claimed.length;
  const gone = new Set([...claimed, ...result.dependencyFailed].map((t) => t.id));
  result.queued = queued.filter((t) => !gone.has(t.id)).sort(compareQueued);
  return [...claimed, ...claims];
}

/** What the queue's plan needs, read under the lock: slots held by project, pauses, limits, and each dependency's state. */
function queueInput(store: TaskStore, config: Config, active: Map<string, Task>, busy: Set<string>): Omit<QueueInput, 'queued'> {
  const byProject: Record<string, number> = {};
  const known = new Map<string, DependencyState | null>();
  const lookup = (id: string): Task | null => {
    const a = active.get(id);
    if (a) return a;
    const entry = store.read(id);
    return entry && !isBroken(entry) ? entry : null;
  };
  for (const id of busy) {
    const task = lookup(id);
    if (task) byProject[task.project] = (byProject[task.project] ?? 0) + 1;
  }
  return {
    busy: byProject,
    maxParallel: config.maxParallelTasks,
    projectLimit: (p) => projectConfig(config, p)?.maxParallel,
    pause: readPause(store.paths),
    dependency: (id) => {
      if (known.has(id)) return known.get(id)!;
      let state: DependencyState | null;
      try {
        checkIdInput(id);
        const entry = active.get(id) ?? store.readDependency(id);
        // A file that cannot be read now is waited for, not taken for a failure.
        state = !entry
          ? null
          : isBroken(entry)
            ? { status: 'queued' }
            : { status: entry.status, jobId: submittedJob(entry), remote: !isLocal(entry) };
      } catch {
        state = null;
      }
      known.set(id, state);
      return state;
    },
  };
}

/** Submitted cluster tasks whose dependency ended without completing: their job would wait forever. */
function failedSubmitted(tasks: Task[], dependency: QueueInput['dependency']): QueuePlan['fail'] {
  const out: QueuePlan['fail'] = [];
  for (const task of tasks) {
    const v = dependencyVerdict(task, dependency, true);
    if ('fail' in v) out.push({ task, error: v.fail });
  }
  return out;
}

/**
 * Under the lock: a task whose dependency failed (was cancelled, interrupted, is gone)
 * never runs and ends `failed`, naming it. Written one at a time: a crash between two
 * leaves the rest to the next scheduler run, which finds the same.
 */
function failDependents(
  store: TaskStore,
  config: Config,
  fails: QueuePlan['fail'],
  result: ScheduleResult,
  held: () => boolean = () => true,
): void {
  for (const { task, error } of fails) {
    if (!held()) return;
    const failed: Task = { ...task, status: 'failed', completedAt: new Date().toISOString(), error };
    try {
      store.write(failed);
    } catch {
      return; // a full disk: the next run tries again
    }
    removeLaunchEnv(store.paths, task.id);
    result.dependencyFailed.push(failed);
    testPoint('dependency-failed');
    runFinishHook(store, config, failed);
  }
}

/**
 * For loops that wait (wait, logs -f, a foreground task): runs the scheduler at most
 * once a second without blocking on a busy lock, so queued tasks start and dead
 * workers are reaped even when no worker is left to do it.
 */
export function scheduleTicker(store: TaskStore, config: Config, everyMs = 1000): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    // A few seconds old answer from Slurm will do, asked for in the background: the loop never waits on a cluster.
    await schedule(store, config, { lockWaitMs: 200, jobs: 'shared' }).catch(() => undefined);
  };
}
