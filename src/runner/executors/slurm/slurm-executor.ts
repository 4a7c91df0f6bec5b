// The Slurm executor: a task's worker runs as one batch job (`sbatch`), its state is
// the job's (one `squeue` for every job asked about), and a cancel is `scancel`.
// The state dir must be on a filesystem the nodes share, with Node.js and dev-tools
// at the same paths there (README: "Running tasks on Slurm").
import { closeSync } from 'node:fs';
import { TaskError, UsageError } from '../../../core/errors.js';
import { slurmWarning, statesFromCache } from '../../../core/slurm-cache.js';
import {
  answerIsAbout,
  batchScript,
  jobName,
  jobVerdict,
  outputPattern,
  sbatchArgProblem,
  slurmRun,
  withJobState,
  type JobStates,
} from '../../../core/slurm.js';
import { resumes } from '../../../core/gate.js';
import { isBroken, isFinal, type Task } from '../../../core/task.js';
import { readLaunchEnv } from '../../../store/launch-env.js';
import { openLogForAppend } from '../../../store/logs.js';
import type { TaskStore } from '../../../store/tasks.js';
import { runtimeFile } from '../../runtime-files.js';
import type { Executor, ExecutorType, StartedWorker, WorkerStates } from '../executor.js';
import { cancelSlurmTask } from './cancel.js';
import { cancelJob, findSlurmCommand, firstLine, runSlurm } from './commands.js';
import { slurmJobWorker } from './job-worker.js';
import { reapSlurmTask } from './reap.js';
import { jobCachePath, jobStates, readJobCache } from './squeue.js';

/** sbatch waits for the controller; past this, the submission is given up (and the task fails). */
const SBATCH_TIMEOUT_MS = 60_000;

/**
 * Submits a task's worker as a batch job and returns the job id. sbatch runs with the
 * launching shell's environment (env/<id>.json), which it exports to the job as
 * Slurm does by default; the worker reads the same file, so the command gets that
 * environment whoever submits it, as a local task does.
 */
async function submit(store: TaskStore, task: Task, executorArgs: readonly string[]): Promise<StartedWorker> {
  // The task's own options after the executor's: for sbatch the last of two wins.
  const sbatchArgs = [...executorArgs, ...queueArgs(store, task), ...(slurmRun(task)?.sbatchArgs ?? [])];
  const launch = readLaunchEnv(store.paths, task.id);
  if ('problem' in launch) throw new Error(`the environment of the shell that launched it is ${launch.problem} (env/${task.id}.json)`);
  const sbatch = findSlurmCommand('sbatch', launch.env.PATH);
  if ('problem' in sbatch) throw new Error(sbatch.problem);
  // The log is made here, new, as for a local worker: anything already at its path was planted
  // (after an approval, the log its first job wrote goes on).
  const log = store.logPath(task.id);
  closeSync(openLogForAppend(log, resumes(task) ? 'existing-or-new' : 'new'));
  const args = [
    // Requeued after a node failure, the job would start a second worker for a task that ran.
    '--no-requeue',
    ...sbatchArgs,
    '--parsable',
    `--job-name=${jobName(task.id)}`,
    `--output=${outputPattern(log)}`,
    '--open-mode=append',
    `--chdir=${store.paths.home}`,
  ];
  const script = batchScript(process.execPath, runtimeFile('worker'), store.paths.home, task.id);
  const r = await runSlurm(sbatch.path, args, { env: launch.env, input: script, timeoutMs: SBATCH_TIMEOUT_MS });
  // --parsable prints `<job id>[;<cluster>]`.
  const jobId = /^(\d+)(;\S*)?$/.exec(r.stdout.trim())?.[1];
  if (r.code !== 0 || !jobId) {
    const why = firstLine(r.stderr) || firstLine(r.stdout) || `exit code ${r.code}`;
    throw new Error(why.startsWith('sbatch') ? why : `sbatch: ${why}`);
  }
  return { jobId };
}

/** Minutes Slurm allows beyond a task's timeout: the worker stops it first, and records it `timedOut`. */
const TIME_MARGIN_MINUTES = 2;

/**
 * The queue's controls in sbatch's words: a timeout as `--time` (with a margin), and the
 * jobs of dependencies that have not completed yet as `--dependency=afterok:…` (the
 * scheduler submits it early only when each of them is a submitted job).
 */
export function queueArgs(store: TaskStore, task: Task): string[] {
  const args: string[] = [];
  if (task.timeout) args.push(`--time=${Math.ceil(task.timeout / 60) + TIME_MARGIN_MINUTES}`);
  const jobs: string[] = [];
  for (const id of task.after ?? []) {
    const dep = store.read(id);
    if (!dep || isBroken(dep) || dep.status === 'completed') continue;
    const jobId = slurmRun(dep)?.jobId;
    if (jobId) jobs.push(jobId);
  }
  if (jobs.length) args.push(`--dependency=afterok:${jobs.join(':')}`);
  return args;
}

/** What squeue said, read per task; a task shows its job's state, and a warning says when the answer is old. */
export function statesFrom(jobs: JobStates): WorkerStates {
  const states: WorkerStates = (task) => {
    const jobId = slurmRun(task)?.jobId;
    if (!jobId || !answerIsAbout(jobs, task)) return { state: 'unknown' };
    const v = jobVerdict(jobs, jobId);
    if (v.kind === 'unknown') return { state: 'unknown' };
    if (v.kind === 'ended') return { state: 'ended', reason: v.reason, ranToEnd: v.state === 'COMPLETED' || v.state === 'FAILED' };
    return v.info.state === 'PENDING' ? { state: 'pending' } : { state: 'alive', node: v.info.node };
  };
  states.problem = jobs.error ?? jobs.stale ?? null;
  states.shown = (task) => withJobState(task, jobs);
  // Said only where a task with a job is shown: a local one never waits on Slurm.
  states.warning = (shown, now) =>
    shown.some((e) => !isBroken(e) && !!slurmRun(e)?.jobId && !isFinal(e.status)) ? slurmWarning(jobs, now) : null;
  return states;
}

/**
 * A Slurm executor submitting with these extra sbatch options (null: the executor is no
 * longer configured; its tasks are still checked and cancelled by their jobs).
 */
export function slurmExecutor(name: string, sbatchArgs: readonly string[] | null): Executor {
  return {
    kind: 'slurm',
    queue: 'own',
    start: (store, task) =>
      sbatchArgs ? submit(store, task, sbatchArgs) : Promise.reject(new Error(`executor "${name}" is no longer configured in config.json`)),
    async states(store, tasks, freshness = 'cached') {
      const ids = tasks.flatMap((t) => {
        const jobId = slurmRun(t)?.jobId;
        return jobId ? [jobId] : [];
      });
      return statesFrom(await jobStates(store.paths, ids, freshness));
    },
    reap: (store, _config, task, opts) => reapSlurmTask(store, task, opts.states, opts),
    cancel: cancelSlurmTask,
    // A job whose task was cancelled while it was being submitted.
    withdraw: async (_store, started) => {
      if (started.jobId) await cancelJob(started.jobId).catch(() => undefined);
    },
    describe(task) {
      const jobId = slurmRun(task)?.jobId;
      return {
        system: 'Slurm',
        line: jobId ? `Slurm job ${jobId} on executor "${task.executor ?? name}" (squeue -j ${jobId})` : null,
      };
    },
  };
}

/** Slurm as config.json names it: `{ "type": "slurm", "sbatchArgs": [...] }`. */
export const slurmType: ExecutorType = {
  kind: 'slurm',
  place(name, _config, environment, options) {
    const extra = options.sbatchArgs ?? [];
    for (const arg of extra) {
      const problem = sbatchArgProblem(arg);
      if (problem) throw new UsageError(`--sbatch-arg ${JSON.stringify(arg.slice(0, 60))}: ${problem}`);
    }
    const sbatch = findSlurmCommand('sbatch', environment.PATH);
    if ('problem' in sbatch) throw new TaskError(`executor "${name}" runs tasks on Slurm, but ${sbatch.problem}`);
    return { kind: 'slurm', jobId: null, node: null, ...(extra.length ? { sbatchArgs: [...extra] } : {}) };
  },
  // Its own sbatch options go with it to the same executor (a restart's new ones come after: the last of two wins).
  kept: (task) => ({ sbatchArgs: slurmRun(task)?.sbatchArgs ?? [] }),
  create: (name, config) => slurmExecutor(name, config?.type === 'slurm' ? config.sbatchArgs : null),
  jobWorker: slurmJobWorker,
  sharedStates(store) {
    const file = jobCachePath(store.paths);
    return {
      file,
      read() {
        const cache = readJobCache(store.paths);
        return cache ? statesFrom(statesFromCache(cache, cache.asked)) : null;
      },
    };
  },
};
