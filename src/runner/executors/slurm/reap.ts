// A Slurm task whose job ended without a final state from its worker, and a job Slurm
// ran again (requeued): recorded by whoever finds them (jobs.ts says how, for any
// executor with a queue of its own; this is what Slurm says of it).
import { requeuedJob, slurmRun } from '../../../core/slurm.js';
import { isBroken, type Task, type TaskEntry } from '../../../core/task.js';
import type { TaskStore } from '../../../store/tasks.js';
import type { ReapOptions, WorkerStates } from '../executor.js';
import { reapEndedJob } from '../jobs.js';

const SHARED_HINT =
  ' (is the state dir on a filesystem the nodes share, with Node.js and dev-tools at the same paths? see the job output in its log)';

/** Records a Slurm task whose job ended (or that Slurm no longer knows), saying how: see reapEndedJob. */
export function reapSlurmTask(store: TaskStore, task: Task, states: WorkerStates | null | undefined, opts: ReapOptions): Task | null {
  return reapEndedJob(store, task, states, { ...opts, now: opts.now ?? Date.now() }, { system: 'Slurm', ranWithoutWorker: SHARED_HINT });
}

/**
 * A requeued job's new run finds its task `running` as that job: the first run's worker
 * was killed (Slurm stops every process of a job before it requeues it) and recorded no
 * end. Under the scheduler lock (held by the caller): the task is recorded
 * `interrupted`, saying so, if the file still shows that job running, and the new run
 * does not run it again.
 */
export function recordRequeued(store: TaskStore, found: TaskEntry | null, jobId: string): void {
  if (!found || isBroken(found) || found.status !== 'running' || slurmRun(found)?.jobId !== jobId) return;
  const fresh = store.read(found.id);
  if (!fresh || isBroken(fresh) || fresh.status !== 'running' || slurmRun(fresh)?.jobId !== jobId) return;
  if (store.recoverFinalTemp(fresh)) return;
  store.write({ ...fresh, status: 'interrupted', completedAt: new Date().toISOString(), error: requeuedJob(jobId) });
}
