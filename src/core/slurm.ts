// Slurm as data: the job a task becomes, what squeue says of it, and how its end reads.
// The commands themselves run in src/runner/slurm.ts.
import type { SlurmJob, Task } from './task.js';

/** The name of a task's job (`squeue -n dev-tools-<id>` finds it). */
export function jobName(id: string): string {
  return `dev-tools-${id}`;
}

/**
 * States in which a job is over: its processes are gone (Slurm stops every process of
 * a job when it ends). Anything else (PENDING, RUNNING, COMPLETING, SUSPENDED, a state a
 * newer Slurm invents) counts as not over, so a job is never taken for ended by mistake.
 */
const ENDED_STATES = new Set([
  'BOOT_FAIL',
  'CANCELLED',
  'COMPLETED',
  'DEADLINE',
  'FAILED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'REVOKED',
  'SPECIAL_EXIT',
  'TIMEOUT',
]);

export interface JobInfo {
  state: string;
  node: string | null;
  /** The raw wait status squeue reports (`exit_code`): code << 8 | signal. */
  exitStatus: number | null;
}

/** What one squeue call said about the jobs it was asked about. */
export interface JobStates {
  asked: ReadonlySet<string>;
  found: ReadonlyMap<string, JobInfo>;
  /** Why Slurm could not be asked (then nothing is known about any job). */
  error: string | null;
}

/** The fields `squeue -O` prints, `|`-separated, one job a line. */
export const SQUEUE_FORMAT = 'JobID:|,State:|,NodeList:|,exit_code:|';

/** Parses `squeue -h -O <SQUEUE_FORMAT>` output. */
export function parseSqueue(text: string): Map<string, JobInfo> {
  const jobs = new Map<string, JobInfo>();
  for (const line of text.split('\n')) {
    const [id, state, node, exit] = line.split('|').map((f) => f.trim());
    if (!id || !state || !/^\d+$/.test(id)) continue;
    const status = Number(exit);
    jobs.set(id, {
      // `CANCELLED by 0` in some versions: the state is the first word.
      state: state.split(/\s+/)[0]!.toUpperCase(),
      node: node && node !== '(null)' ? node : null,
      exitStatus: exit !== undefined && exit !== '' && Number.isInteger(status) ? status : null,
    });
  }
  return jobs;
}

export function jobEnded(info: JobInfo): boolean {
  return ENDED_STATES.has(info.state);
}

/** `exit code 3`, `signal 9`: a raw wait status as people read it. */
export function describeExitStatus(status: number | null): string | null {
  if (status === null) return null;
  const signal = status & 0x7f;
  return signal ? `signal ${signal}` : `exit code ${status >> 8}`;
}

export type JobVerdict = { kind: 'active'; info: JobInfo } | { kind: 'ended'; reason: string; state?: string } | { kind: 'unknown' };

/**
 * Whether a task's job still runs (or waits), has ended, or cannot be told: the job
 * was not asked about (submitted after the query), or Slurm could not be asked.
 */
export function jobVerdict(jobs: JobStates | null | undefined, jobId: string): JobVerdict {
  if (!jobs || jobs.error !== null || !jobs.asked.has(jobId)) return { kind: 'unknown' };
  const info = jobs.found.get(jobId);
  if (!info) return { kind: 'ended', reason: `Slurm job ${jobId} is no longer known to Slurm` };
  if (!jobEnded(info)) return { kind: 'active', info };
  // Status 0 says nothing of a cancelled job: only a code or a signal is worth showing.
  const exit = info.exitStatus ? describeExitStatus(info.exitStatus) : null;
  return { kind: 'ended', reason: `Slurm job ${jobId} ended ${info.state}${exit ? ` (${exit})` : ''}`, state: info.state };
}

/** squeue's answer for a single unknown id (several unknown ids are just not listed). */
export function isUnknownJobError(stderr: string): boolean {
  return /invalid job id/i.test(stderr);
}

/** `sh` single quoting: the value reaches the program as one argument, whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The batch script: the job is the worker itself (exec), so Slurm's signals reach it directly. */
export function batchScript(node: string, workerFile: string, home: string, id: string): string {
  return `#!/bin/sh\nexec ${[node, workerFile, home, id, 'slurm'].map(shellQuote).join(' ')}\n`;
}

/** A path for `--output`: Slurm reads `%j` and friends in it, `%%` is a plain `%`. */
export function outputPattern(path: string): string {
  return path.replaceAll('%', '%%');
}

/** sbatch options dev-tools sets itself: a job needs its log, name and worker to be a task. */
const RESERVED_SBATCH = [
  ['-o', '--output'],
  ['-e', '--error'],
  ['-J', '--job-name'],
  ['', '--open-mode'],
  ['', '--parsable'],
  ['', '--wrap'],
  ['-a', '--array'],
  ['-D', '--chdir'],
] as const;

/** Why an `sbatchArgs` entry cannot be used, or null. */
export function sbatchArgProblem(arg: string): string | null {
  for (const [short, long] of RESERVED_SBATCH) {
    const hit = arg === long || arg.startsWith(`${long}=`) || (short !== '' && arg.startsWith(short));
    if (hit) return `${long} is set by dev-tools (the task's log, name and worker go with it)`;
  }
  return null;
}

/** The job a task runs as, once its worker runs there. */
export function startedAsJob(task: Task, job: { jobId: string; node: string }): Task {
  return { ...task, status: 'running', slurm: { jobId: job.jobId, node: job.node } satisfies SlurmJob };
}

/** The variables Slurm gives a job (SLURM_JOB_ID, SLURM_CPUS_ON_NODE, ...): the command gets them too. */
export function slurmVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('SLURM') && typeof v === 'string') out[k] = v;
  return out;
}
