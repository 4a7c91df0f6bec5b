// A third executor, for the tests: a batch system whose queue is a folder (`<home>/batch/`,
// one `<job>.json` per job, holding its state). It is a real executor behind the same
// interface as local and Slurm — start submits a job, states reads every job in one go,
// cancel and withdraw cancel jobs, reap records an ended job's task — so the scheduler,
// cancel, launch and the views run against it unchanged, with no cluster. The test plays
// the batch system: it starts a job (its worker's first write goes through the real
// hand-over), ends it, or forgets it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TaskError, UsageError } from '../../src/core/errors.js';
import { isFinal, type JobRun, type Task } from '../../src/core/task.js';
import type { Config } from '../../src/store/config.js';
import { NotRunning, type Cancelled, type Executor, type ExecutorType, type JobWorker } from '../../src/runner/executors/executor.js';
import { reapEndedJob } from '../../src/runner/executors/jobs.js';
import { underSchedulerLock } from '../../src/runner/scheduler.js';

/** Where a task runs on the batch system: its job, and its node once it runs. */
export interface BatchRun extends JobRun {
  kind: 'batch';
}

export interface BatchConfig {
  type: 'batch';
  /** Every submission is refused, saying this (a queue that does not take jobs). */
  refuse?: string;
}

declare module '../../src/core/task.js' {
  interface RunKinds {
    batch: BatchRun;
  }
}

declare module '../../src/store/config.js' {
  interface ExecutorConfigs {
    batch: BatchConfig;
  }
}

export type JobState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface Job {
  id: string;
  task: string;
  state: JobState;
  node: string | null;
}

/** The batch system's queue: its jobs as files, read and written by the executor and by the test playing the system. */
export class BatchQueue {
  readonly dir: string;
  /** Calls to `states`: one per scheduler run that asks, whatever the number of jobs. */
  queries = 0;
  /** Makes the next submissions wait for this (a slow controller). */
  gate: Promise<void> | null = null;

  constructor(home: string) {
    this.dir = join(home, 'batch');
    mkdirSync(this.dir, { recursive: true });
  }

  jobs(): Job[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as Job);
  }

  job(id: string): Job | undefined {
    return this.jobs().find((j) => j.id === id);
  }

  set(id: string, state: JobState, node: string | null = null): void {
    const job = this.job(id);
    if (!job) throw new Error(`no batch job ${id}`);
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify({ ...job, state, node: node ?? job.node }));
  }

  /** Forgets a job (as a cluster forgets finished jobs after a while). */
  forget(id: string): void {
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify({ id, task: '', state: 'GONE', node: null }));
  }

  submit(task: string): string {
    const id = String(100 + this.jobs().length);
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify({ id, task, state: 'PENDING', node: null } satisfies Job));
    return id;
  }
}

const ENDED: readonly string[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

const jobOfTask = (task: Task): string | null => (task.runsOn.kind === 'batch' ? task.runsOn.jobId : null);

function batchExecutor(queue: BatchQueue, name: string, config: BatchConfig | null): Executor {
  const self: Executor = {
    kind: 'batch',
    queue: 'own',
    async start(_store, task) {
      if (!config) throw new Error(`executor "${name}" is no longer configured`);
      if (queue.gate) await queue.gate;
      if (config.refuse) throw new Error(config.refuse);
      return { jobId: queue.submit(task.id) };
    },
    async states(_store, tasks) {
      queue.queries++;
      const jobs = new Map(queue.jobs().map((j) => [j.id, j]));
      const asked = new Set(tasks.map(jobOfTask));
      return (task) => {
        const jobId = jobOfTask(task);
        if (!jobId || !asked.has(jobId)) return { state: 'unknown' };
        const job = jobs.get(jobId);
        if (!job || (job.state as string) === 'GONE') return { state: 'ended', reason: `batch job ${jobId} is no longer known` };
        if (ENDED.includes(job.state)) {
          return { state: 'ended', reason: `batch job ${jobId} ended ${job.state}`, ranToEnd: job.state !== 'CANCELLED' };
        }
        return job.state === 'PENDING' ? { state: 'pending' } : { state: 'alive', node: job.node };
      };
    },
    reap: (store, _config, task, opts) =>
      reapEndedJob(store, task, opts.states, { ...opts, now: opts.now ?? Date.now() }, { system: 'Batch', ranWithoutWorker: '' }),
    async cancel(store, cfg, task): Promise<Cancelled> {
      if (isFinal(task.status)) throw new NotRunning(task);
      const jobId = jobOfTask(task)!;
      queue.set(jobId, 'CANCELLED');
      // The batch system stops a running job's worker at once: its end is recorded here, as `cancelled`.
      const final = await underSchedulerLock(store, 10_000, () =>
        self.reap(store, cfg, store.get(task.id), {
          underLock: true,
          status: 'cancelled',
          reason: 'cancelled on the batch system',
          states: () => ({ state: 'ended', reason: `batch job ${jobId} ended CANCELLED` }),
        }),
      );
      if (!final) throw new TaskError(`task ${task.id}: batch job ${jobId} did not end`);
      return { task: final, message: `cancelled ${task.id} (batch job ${jobId})` };
    },
    async withdraw(_store, started) {
      if (started.jobId) queue.set(started.jobId, 'CANCELLED');
    },
    describe: (task) => ({ system: 'Batch', line: jobOfTask(task) ? `batch job ${jobOfTask(task)} on executor "${name}"` : null }),
  };
  return self;
}

/** The batch executor's type, as config.json would name it (`{ "type": "batch" }`). */
export function batchType(queue: BatchQueue): ExecutorType {
  return {
    kind: 'batch',
    place(_name, _config, _environment, options) {
      if (options.sbatchArgs?.length) throw new UsageError('--sbatch-arg is for a task on a Slurm executor');
      return { kind: 'batch', jobId: null, node: null };
    },
    kept: () => ({}),
    create: (name, config) => batchExecutor(queue, name, config?.type === 'batch' ? config : null),
    jobWorker(env): JobWorker | null {
      const jobId = env.BATCH_JOB_ID;
      if (!jobId) return null;
      const node = env.BATCH_NODE ?? 'node1';
      return {
        jobId,
        signalSettleMs: 0,
        beforeStart: async () => undefined,
        started: (task) => ({ ...task, status: 'running', runsOn: { kind: 'batch', jobId, node } }),
        commandEnv: () => ({ BATCH_JOB_ID: jobId }),
        stoppedFromOutside: () => ({ status: 'interrupted', error: `the batch system stopped job ${jobId}` }),
      };
    },
  };
}

/** A config with the batch executor `farm` (config.json's schema knows only the built-in types: this one is given whole). */
export function batchConfig(over: Partial<Config> = {}, farm: Omit<BatchConfig, 'type'> = {}): Config {
  return { maxParallelTasks: 10, cancelGraceMs: 1000, projects: {}, ...over, executors: { farm: { type: 'batch', ...farm } } };
}
