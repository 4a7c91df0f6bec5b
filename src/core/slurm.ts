// Slurm as data: the job a task becomes, what squeue says of it, and how its end reads.
// The commands themselves run in src/runner/executors/slurm/.
// Over 250 lines: every answer Slurm gives (squeue, scontrol, sbatch options) and what a task's row makes of it, read in one place.
import { shellQuote } from './shell.js';
import { isBroken, isFinal, type Resources, type SlurmRun, type Task, type TaskEntry } from './task.js';

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
  /** Why it waits (Resources, Priority, JobHeldAdmin...) or stopped (TimeLimit); null for none. */
  reason?: string | null;
  /** Its time limit in seconds; null when unlimited or not known. */
  timeLimit?: number | null;
  /** How long it has run in seconds, as Slurm counts it (time suspended left out). */
  timeUsed?: number | null;
  /** What its batch step uses, as `sstat` reports it (absent where the cluster gathers no accounting). */
  resources?: Resources | null;
}

/** `sstat -n -P -a -o <SSTAT_FORMAT>`: what each step of a running job uses. */
export const SSTAT_FORMAT = 'JobID,AveCPU,AveRSS,MaxRSS';

/** `512K`, `1.5M`, `0` as sstat prints sizes (K, M, G, T: powers of 1024; no suffix: bytes), in bytes. */
function parseSlurmSize(text: string | undefined): number | null {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(text?.trim() ?? '');
  if (!m) return null;
  return Math.round(Number(m[1]) * 1024 ** (m[2] ? ' KMGT'.indexOf(m[2]) : 0));
}

/** `00:01.234`, `1:02:03`, `1-00:00:00` (AveCPU), in seconds. */
function parseSlurmCpu(text: string | undefined): number | null {
  const t = text?.trim() ?? '';
  const frac = /\.(\d+)$/.exec(t);
  const whole = parseSlurmTime(frac ? t.slice(0, frac.index) : t);
  if (whole === null) return null;
  // `MM:SS` is minutes and seconds here (parseSlurmTime reads it so too).
  return whole + (frac ? Number(`0.${frac[1]}`) : 0);
}

/** Parses sstat's answer: the batch step of each job (where dev-tools' worker and the task run). */
export function parseSstat(text: string): Map<string, Resources> {
  const out = new Map<string, Resources>();
  for (const line of text.split('\n')) {
    const [step, cpu, rss, maxRss] = line.split('|');
    const m = /^(\d+)\.batch$/.exec(step?.trim() ?? '');
    if (!m) continue;
    const cpuSeconds = parseSlurmCpu(cpu);
    const memoryBytes = parseSlurmSize(rss);
    const peak = parseSlurmSize(maxRss);
    if (cpuSeconds === null || memoryBytes === null) continue;
    out.set(m[1]!, { cpuSeconds, memoryBytes, peakMemoryBytes: Math.max(peak ?? 0, memoryBytes), cpuPercent: null });
  }
  return out;
}

/** What squeue said about the jobs it was asked about. */
export interface JobStates {
  asked: ReadonlySet<string>;
  found: ReadonlyMap<string, JobInfo>;
  /** Why Slurm could not be asked (then nothing is known about any job). */
  error: string | null;
  /** When this answer was given (epoch ms); a cached answer may be older than the question. */
  at?: number;
  /** The answer is an older one because Slurm did not answer now: why, for a warning line. */
  stale?: string | null;
}

/** The fields `squeue -O` prints, `|`-separated, one job a line (no width: nothing is cut). */
export const SQUEUE_FORMAT = 'JobID:|,State:|,NodeList:|,exit_code:|,Reason:|,TimeLimit:|,TimeUsed:|';

/** `1:00` (m:ss), `2:00:00`, `1-12:00:00` as Slurm prints times, in seconds; null for UNLIMITED, N/A and the like. */
export function parseSlurmTime(text: string | undefined): number | null {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(text?.trim() ?? '');
  if (!m) return null;
  const [days, a, b, c] = [Number(m[1] ?? 0), Number(m[2]), m[3], m[4]];
  // D-H:MM:SS and H:MM:SS; M:SS; a bare number is minutes (and, after a day count, hours).
  if (c !== undefined) return days * 86400 + a * 3600 + Number(b) * 60 + Number(c);
  if (b !== undefined) return m[1] ? days * 86400 + a * 3600 + Number(b) * 60 : a * 60 + Number(b);
  return m[1] ? days * 86400 + a * 3600 : a * 60;
}

/** Parses `squeue -h -O <SQUEUE_FORMAT>` output. */
export function parseSqueue(text: string): Map<string, JobInfo> {
  const jobs = new Map<string, JobInfo>();
  for (const line of text.split('\n')) {
    const [id, state, node, exit, reason, limit, used] = line.split('|').map((f) => f.trim());
    if (!id || !state || !/^\d+$/.test(id)) continue;
    const status = Number(exit);
    jobs.set(id, {
      // `CANCELLED by 0` in some versions: the state is the first word.
      state: state.split(/\s+/)[0]!.toUpperCase(),
      node: node && node !== '(null)' ? node : null,
      exitStatus: exit !== undefined && exit !== '' && Number.isInteger(status) ? status : null,
      reason: reason && reason !== 'None' && reason !== '(null)' ? reason : null,
      timeLimit: parseSlurmTime(limit),
      timeUsed: parseSlurmTime(used),
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
  const what = END_MEANING[info.state];
  const details = [exit, what?.(info)].filter(Boolean).join('; ');
  return { kind: 'ended', reason: `Slurm job ${jobId} ended ${info.state}${details ? ` (${details})` : ''}`, state: info.state };
}

/** `2h00m`: a time limit as the table shows durations. */
function limitText(info: JobInfo): string {
  return info.timeLimit ? `, ${formatLimit(info.timeLimit)}` : '';
}

function formatLimit(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m`;
}

/** What a job's end means, in words, for the states that are not plain success or failure. */
const END_MEANING: Record<string, (info: JobInfo) => string> = {
  TIMEOUT: (i) => `it reached its time limit${limitText(i)}: restart it with --sbatch-arg=--time=<more>`,
  NODE_FAIL: () => 'its node failed',
  PREEMPTED: () => 'preempted by a job of higher priority',
  OUT_OF_MEMORY: () => 'it ran out of memory: restart it with --sbatch-arg=--mem=<more>',
  DEADLINE: () => 'it could not end before its --deadline',
  BOOT_FAIL: () => 'its node failed to boot',
};

/** What `scontrol -o show job` says of a job at the moment its worker was signalled. */
export interface JobStop {
  state: string;
  reason: string | null;
  timeLimit: number | null;
  /** How many times Slurm has requeued the job (the worker's own run is SLURM_RESTART_COUNT). */
  restarts: number;
}

/** Parses one line of `scontrol -o show job <id>` (Key=Value words). */
export function parseScontrolJob(line: string): JobStop | null {
  const field = (key: string) => new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line)?.[1];
  const state = field('JobState');
  if (!state) return null;
  const reason = field('Reason');
  return {
    state: state.toUpperCase(),
    reason: reason && reason !== 'None' && reason !== '(null)' ? reason : null,
    timeLimit: parseSlurmTime(field('TimeLimit')),
    restarts: Number(field('Restarts') ?? 0) || 0,
  };
}

/**
 * Why Slurm sent a job's worker SIGTERM when it was not a dev-tools cancel, from what
 * Slurm says of the job at that moment (null: it could not be asked). A time limit
 * reads Reason=TimeLimit, a preemption Preempted; a requeue has counted one more
 * restart than the worker's run; what is left is a scancel by someone else.
 */
export function stoppedJobReason(jobId: string, stop: JobStop | null, ownRestarts: number): string {
  if (!stop) return `Slurm stopped job ${jobId} (scancel outside dev-tools, its time limit, or preemption)`;
  const info: JobInfo = { state: stop.state, node: null, exitStatus: null, reason: stop.reason, timeLimit: stop.timeLimit };
  if (stop.restarts > ownRestarts || /^REQUEUE/.test(stop.state)) return requeuedJob(jobId);
  const named = stop.state in END_MEANING ? stop.state : null;
  const byReason = /TimeLimit/i.test(stop.reason ?? '')
    ? 'TIMEOUT'
    : /preempt/i.test(stop.reason ?? '')
      ? 'PREEMPTED'
      : /Node(Down|Fail)/i.test(stop.reason ?? '')
        ? 'NODE_FAIL'
        : null;
  const state = named ?? byReason;
  if (state) return `Slurm stopped job ${jobId}: ${state} (${END_MEANING[state]!(info)})`;
  return `Slurm stopped job ${jobId} (scancel outside dev-tools)`;
}

/** A job Slurm put back in its queue while the task ran: its next run must not run the task again. */
export function requeuedJob(jobId: string): string {
  return `Slurm requeued job ${jobId} (scontrol requeue, a node failure or preemption): its task does not run twice; restart it instead`;
}

/** squeue's answer for a single unknown id (several unknown ids are just not listed). */
export function isUnknownJobError(stderr: string): boolean {
  return /invalid job id/i.test(stderr);
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

/** A Slurm task's job (the `runsOn` of a task on a Slurm executor), or null for any other task. */
export function slurmRun(task: Pick<Task, 'runsOn'>): SlurmRun | null {
  return task.runsOn.kind === 'slurm' ? task.runsOn : null;
}

/** The job a task runs as, once its worker runs there (its own sbatch options stay with it). */
export function startedAsJob(task: Task, job: { jobId: string; node: string }): Task {
  return { ...task, status: 'running', runsOn: { ...recordedJob(slurmRun(task)), jobId: job.jobId, node: job.node } };
}

/** What of a task's job goes in its file: never what Slurm said of it for display. */
export function recordedJob(job: SlurmRun | null | undefined): SlurmRun {
  const { jobId = null, node = null, sbatchArgs, pid, pidStartTime } = job ?? {};
  return {
    kind: 'slurm',
    jobId,
    node,
    ...(sbatchArgs?.length ? { sbatchArgs } : {}),
    ...(pid !== undefined ? { pid } : {}),
    ...(pidStartTime !== undefined ? { pidStartTime } : {}),
  };
}

/**
 * The task as Slurm sees its job in this answer: state, reason, time limit and time
 * used, for display only. The same object when there is nothing to add (a local or
 * finished task, a job not in the answer), so a table's rows stay as they were.
 */
export function withJobState<T extends TaskEntry>(entry: T, jobs: JobStates | null | undefined): T {
  if (!jobs || isBroken(entry) || isFinal(entry.status) || !answerIsAbout(jobs, entry)) return entry;
  const job = slurmRun(entry)!;
  const info = jobs.found.get(job.jobId!);
  if (!info) return entry;
  // What sstat says it uses (where the cluster gathers it); the worker of a job measures nothing itself.
  const resources = info.resources ? { resources: info.resources } : {};
  if (job.state === info.state && job.reason === (info.reason ?? null) && job.timeUsed === (info.timeUsed ?? null) && !info.resources)
    return entry;
  return {
    ...entry,
    ...resources,
    runsOn: { ...job, state: info.state, reason: info.reason ?? null, timeLimit: info.timeLimit ?? null, timeUsed: info.timeUsed ?? null },
  };
}

/**
 * Whether an answer speaks of this task's job: it was asked about, after the job was
 * submitted (an older answer about the same id is about another job: ids start again
 * when a cluster is set up anew).
 */
export function answerIsAbout(jobs: Pick<JobStates, 'asked' | 'at'>, task: Pick<Task, 'runsOn' | 'claimedAt'>): boolean {
  const jobId = slurmRun(task)?.jobId;
  if (!jobId || !jobs.asked.has(jobId)) return false;
  const submitted = Date.parse(task.claimedAt ?? '');
  return jobs.at === undefined || !Number.isFinite(submitted) || jobs.at >= submitted;
}

/** A suspended job (`scontrol suspend`): its task is not running now, and its clock stands still. */
export function isSuspended(task: Pick<Task, 'status' | 'runsOn'>): boolean {
  return task.status === 'running' && slurmRun(task)?.state === 'SUSPENDED';
}

/** Why a queued task's job waits, as Slurm says it (`Resources`, `Priority`, `JobHeldAdmin`), or null. */
export function pendingReason(task: Pick<Task, 'status' | 'runsOn'>): string | null {
  const reason = slurmRun(task)?.reason;
  return task.status === 'queued' && reason ? reason : null;
}

/** The variables Slurm gives a job (SLURM_JOB_ID, SLURM_CPUS_ON_NODE, ...): the command gets them too. */
export function slurmVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('SLURM') && typeof v === 'string') out[k] = v;
  return out;
}
