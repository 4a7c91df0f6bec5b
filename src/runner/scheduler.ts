// The only way into `running`: the scheduler lock, reaping dead workers, claims and
// admission. Over 250 lines: the rule it enforces reads in one place.
import { join } from 'node:path';
import { describeError, TaskError } from '../core/errors.js';
import { compareTasks, isBroken, type Task, type TaskStatus } from '../core/task.js';
import type { Config } from '../store/config.js';
import { removeLaunchEnv } from '../store/launch-env.js';
import { clearFinishPending } from '../store/finish-hook.js';
import { Ledger } from '../store/ledger.js';
import type { TaskStore } from '../store/tasks.js';
import { localExecutor, type Freshness, type WorkerStates } from './executor.js';
import { workerStates } from './executors.js';
import { sweepStaleFiles } from './housekeeping.js';
import { runFinishHook, sweepFinishHooks } from './finish-hook.js';
import { FileLock } from './lock.js';
import { sweepLedgers } from './orphans.js';
import { cancelJob } from './slurm.js';
import { reapEndedJob, recordSubmissions, slurmUnderLock, submitJobs } from './slurm-tasks.js';

/** A running task without a pid is "starting" this long after it was claimed, then dead. */
export const STARTING_MS = 15_000;

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

type WorkerState = 'alive' | 'starting' | 'dead' | 'unknown';

/**
 * The worker of a running local task: its pid in the task file once it wrote it, else
 * the pid it put in its ledger at start-up, else "starting" for STARTING_MS after the
 * claim. After that it is dead only for a caller holding the scheduler lock: a worker
 * makes its first write under that lock, so a slow one cannot write after being reaped.
 */
export function workerState(store: TaskStore, task: Task, now: number, underLock: boolean): WorkerState {
  const executor = localExecutor;
  if (task.pid) return executor.isAlive(task) ? 'alive' : 'dead';
  const worker = new Ledger(store.paths, task.id).read()?.worker;
  if (worker) return executor.isAlive({ ...task, pid: worker.pid, pidStartTime: worker.startTime }) ? 'alive' : 'dead';
  const claimed = Date.parse(task.claimedAt ?? task.createdAt);
  if (Number.isFinite(claimed) && now - claimed < STARTING_MS) return 'starting';
  return underLock ? 'dead' : 'unknown';
}

interface ReapOptions {
  now?: number;
  /** What the executors said of the workers (Slurm tasks are judged by it alone). */
  states?: WorkerStates | null;
  /** The caller holds the scheduler lock (needed to reap a task whose worker never showed up). */
  underLock?: boolean;
  /** What to record (cancel records `cancelled` when it had to take over from a stuck worker). */
  status?: Extract<TaskStatus, 'interrupted' | 'cancelled'>;
  reason?: string;
}

/**
 * Marks a running task whose worker is gone as `interrupted`. Re-reads first and writes
 * only if the file still says running with the same pid: the worker may have finished
 * just before it died; if it died between writing its final state and renaming it into
 * place, that state is recovered instead. Its command groups are not stopped here: the
 * ledger sweep of every scheduler run does that (or cancel, to return once they are gone).
 */
export function reapIfDead(store: TaskStore, task: Task, config: Config, opts: ReapOptions = {}): Task | null {
  const reaped = reapLocal(store, task, config, opts);
  // Its worker never ran the hook (it died before or just after its final write).
  if (reaped) runFinishHook(store, config, reaped);
  return reaped;
}

function reapLocal(store: TaskStore, task: Task, _config: Config, opts: ReapOptions): Task | null {
  const now = opts.now ?? Date.now();
  if (task.slurm) return reapEndedJob(store, task, opts.states, { now, underLock: !!opts.underLock });
  const executor = localExecutor;
  if (task.status !== 'running' || workerState(store, task, now, !!opts.underLock) !== 'dead') return null;
  const fresh = store.read(task.id);
  if (!fresh || isBroken(fresh) || fresh.status !== 'running' || fresh.pid !== task.pid) return null;
  if (fresh.pid && executor.isAlive(fresh)) return null;
  removeLaunchEnv(store.paths, fresh.id);
  const recovered = store.recoverFinalTemp(fresh);
  if (recovered) return recovered;
  // Another reader may have recovered or reaped it meanwhile.
  const again = store.read(task.id);
  if (!again || isBroken(again) || again.status !== 'running') return null;
  const reaped: Task = {
    ...fresh,
    status: opts.status ?? 'interrupted',
    completedAt: new Date(now).toISOString(),
    error: opts.reason ?? deathOf(store, fresh),
  };
  store.write(reaped);
  return reaped;
}

/**
 * How a worker that left its task `running` ended, in words. "Never started" only when
 * no worker ever showed up: one that did wrote its pid into the task's ledger first,
 * before any command, even when it could not write the task file (a full disk).
 */
function deathOf(store: TaskStore, task: Task): string {
  if (task.pid) return `worker ${task.pid} died while running`;
  const ledger = new Ledger(store.paths, task.id).read();
  if (!ledger?.worker) return 'worker never started';
  return ledger.steps.length > 0
    ? `worker ${ledger.worker.pid} died while running (before it could record its start)`
    : `worker ${ledger.worker.pid} died while starting`;
}

interface ScheduleOptions {
  lockWaitMs?: number;
  /**
   * How fresh the cluster's answer about Slurm jobs must be (default `cached`: no
   * waiting on a cluster); or a choice made from the active Slurm tasks (`status`
   * asks only when it shows some).
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
  /** Slurm tasks this step submitted (their job ids are in their files). */
  submitted: Task[];
  reaped: Task[];
  /** Tasks holding a slot: running, or final with a command group still alive. */
  running: number;
  queued: Task[];
  /** What the executors said of the active tasks' workers (one Slurm query), for callers that reap on their own. */
  states: WorkerStates | null;
}

/**
 * The only way into `running`: under the scheduler lock, reap dead workers, count
 * what holds a slot (running tasks, and tasks whose command group is still alive),
 * claim queued tasks in order while there is room. Workers are spawned after the
 * lock is released; if one cannot be started, its task fails and the claiming goes on.
 */
export async function schedule(store: TaskStore, config: Config, opts: ScheduleOptions = {}): Promise<ScheduleResult> {
  const lock = schedulerLock(store);
  const result: ScheduleResult = {
    locked: false,
    started: [],
    workerPids: {},
    submitted: [],
    reaped: [],
    running: 0,
    queued: [],
    states: null,
  };
  // Jobs are asked about before the lock is taken (a slow controller must never hold it), all in one query;
  // a job seen ended stays ended, so reaping by this answer under the lock is sound.
  const remote = store.listActive().filter((e): e is Task => !isBroken(e) && !!e.slurm?.jobId);
  const freshness = typeof opts.jobs === 'function' ? opts.jobs(remote) : (opts.jobs ?? 'cached');
  if (remote.length) result.states = await workerStates(store, remote, config, freshness);
  if (!(await lock.acquire(opts.lockWaitMs ?? 5000))) {
    if (opts.admit) throw new TaskError(BUSY);
    // No task file is written without the lock, but orphaned groups can still be seen to
    // (keeping the worker's record of a task not yet reaped: its reaper reads it).
    const unreaped = new Set(
      store
        .listActive()
        .filter((e) => !isBroken(e) && e.status === 'running' && !e.slurm)
        .map((e) => e.id),
    );
    sweepLedgers(store.paths, config.cancelGraceMs, new Set(), unreaped);
    return result;
  }
  result.locked = true;
  for (let round = 0; ; round++) {
    let claimed: Task[];
    try {
      claimed = claimUnderLock(store, config, result, round === 0 ? { housekeeping: true, admit: opts.admit } : {}, () => lock.stillHeld());
    } finally {
      lock.release();
    }
    let failed = 0;
    for (const task of claimed) {
      if (task.slurm) continue;
      try {
        result.workerPids[task.id] = (await localExecutor.start(store, task)).pid!;
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
    const claims = claimed.filter((t) => t.slurm);
    if (claims.length) await submit(store, config, claims, result);
    // A start that failed freed its slot again: claim on, or the queue would wait for the next caller.
    if (failed === 0 || round >= 20 || !(await lock.acquire(opts.lockWaitMs ?? 5000))) break;
  }
  sweepFinishHooks(store, config);
  return result;
}

/** Submits claimed Slurm tasks after the lock, then records their jobs under it (a few ms). */
async function submit(store: TaskStore, config: Config, claims: Task[], result: ScheduleResult): Promise<void> {
  const submissions = await submitJobs(store, config, claims);
  const done = await underSchedulerLock(store, 60_000, () => recordSubmissions(store, submissions)).catch(() => null);
  if (!done) return; // unrecorded: each job's worker records its own job id when it starts
  result.submitted.push(...done.recorded.filter((t) => t.slurm?.jobId));
  // A job whose task was cancelled while it was being submitted.
  for (const jobId of done.stray) await cancelJob(jobId).catch(() => undefined);
}

/** `held`: whether this process still holds the lock (it may have been stopped and the lock broken). */
function claimUnderLock(
  store: TaskStore,
  config: Config,
  result: ScheduleResult,
  first: { housekeeping?: boolean; admit?: () => Task },
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
    // The cluster's queue and limits apply to a Slurm task, not maxParallelTasks.
    if (entry.slurm) remote.push(entry);
    else if (entry.status === 'running') {
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
  if (first.housekeeping) sweepStaleFiles(store, active);
  const claims = slurmUnderLock(store, remote, result.states, now, result.reaped);
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
  queued.sort(compareTasks);
  const room = Math.max(0, config.maxParallelTasks - busy.size);
  const claimed: Task[] = [];
  let failure: unknown = null;
  try {
    for (const task of queued.slice(0, room)) {
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
  result.queued = queued.slice(claimed.length);
  return [...claimed, ...claims];
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
