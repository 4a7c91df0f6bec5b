import type { QueueReason } from './queue.js';

export const TASK_STATUSES = ['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task in one of these has ended for good (its file is in done/). */
export const FINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled', 'interrupted'];

export interface StageSpec {
  name: string;
  run: string;
  /** A person approves before this stage starts (`dev-tools approve`): the task waits at this gate. */
  approve?: boolean;
}

export interface StageState {
  index: number;
  count: number;
  name: string;
  phase?: string | null;
}

export interface ProgressState {
  percent: number | null;
  message?: string | null;
  etaSeconds: number | null;
  /** Where the ETA came from: the rate of the progress markers, the durations of earlier runs, or both (blend). */
  etaSource?: 'markers' | 'history' | 'blend' | null;
  updatedAt?: string;
}

export interface Task {
  id: string;
  project: string;
  description: string;
  command?: string[] | null;
  stages?: StageSpec[] | null;
  cwd: string;
  status: TaskStatus;
  createdAt: string;
  claimedAt?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
  commandPid?: number | null;
  commandStartTime?: number | null;
  env: Record<string, string>;
  stage?: StageState | null;
  progress?: ProgressState | null;
  exitCode?: number | null;
  signal?: string | null;
  error?: string | null;
  logFile: string;
  restartOf?: string | null;
  /** `local`, or the name of a configured executor (absent in files of older versions: local). */
  executor?: string | null;
  /** Where it runs, and what is known of its worker there (taskFromJson reads files of every version). */
  runsOn: RunsOn;
  /** A task of an isolated project: what its worktree is made from, fixed at launch. */
  isolation?: Isolation | null;
  /** Its git worktree, once its worker created it. */
  worktree?: Worktree | null;
  /** What it changed against its base (committed, uncommitted and untracked), once it ended. */
  diff?: DiffCount | null;
  /** How its processes were held together: a cgroup of its own, or process groups (absent until it started). */
  containment?: Containment | null;
  /** What its processes used, as its worker measured it (updated while it runs, final at its end). */
  resources?: Resources | null;
  /** Tasks that must all complete before it starts (`--after`). */
  after?: string[];
  /** Higher starts first among queued tasks (default 0). */
  priority?: number;
  /** Seconds an attempt may run before it is stopped and the task fails (`--timeout`). */
  timeout?: number | null;
  /** Set when it failed because it ran past its timeout. */
  timedOut?: boolean;
  /** Attempts it may make in all (1 + `--retries`), and the one it is on (1-based). */
  attempts?: number;
  attempt?: number;
  /** Seconds between attempts, or `exp` (1 s, 2 s, 4 s…). */
  retryDelay?: number | 'exp';
  /** A timed-out attempt is retried too. */
  retryOnTimeout?: boolean;
  /** Why a queued task waits (shown only: the views fill it in from the queue's plan, never in the file). */
  queueReason?: QueueReason | null;
  /** What a `waiting` task waits for (`approval` at a gate); null otherwise. */
  waitingFor?: string | null;
  /** The gate it waits at, or was last let through (`approvedAt`): where its next worker starts. */
  gate?: Gate | null;
  /** What it spent, from its `::spend` markers (all stages, all workers of it). */
  spend?: Spend | null;
  /** The spend that stops it (`failed`, `budget exceeded`): its project's budget, or `--budget`. */
  budget?: Budget | null;
  /** What earlier completed runs of the same job cost (their median, USD), known at launch: COST shows `~$0.40` until it spends. */
  expectedCostUsd?: number | null;
  /** Milliseconds its workers ran before the current one (a task with gates runs in several). */
  ranMs?: number | null;
  /** Its commands run in a terminal of their own (`--tty`): `send` and `attach` reach it. */
  tty?: boolean | null;
  /** Why it needs the user now: `input`, its terminal's program waits for it (written by its worker). */
  attention?: Attention | null;
}

export type Containment = 'cgroup' | 'process-group';

export interface Resources {
  /** CPU time of all its processes, in seconds. */
  cpuSeconds: number;
  /** Memory its processes hold now (0 once it ended). */
  memoryBytes: number;
  /** The most memory seen held at once. */
  peakMemoryBytes: number;
  /** CPU over the last interval, in percent of one core (null at the end, or before a second sample). */
  cpuPercent?: number | null;
}

/** A stage with `approve: true`: the task stopped before it until a person approves or rejects. */
export interface Gate {
  /** The step it waits to start (an index into taskSteps), of `count`. */
  index: number;
  count: number;
  name: string;
  /** When it started waiting. */
  since: string;
  /** The log's bytes [from, to) written by the stage before the gate (the plan to review). */
  plan?: { from: number; to: number } | null;
  approvedAt?: string | null;
}

export interface Spend {
  tokens: number;
  costUsd: number;
}

export interface Budget {
  costUsd?: number | null;
  tokens?: number | null;
}

/** What a running task may be waiting for from the user. */
export type Attention = 'input';

/** Whether the task waits for its user now (a running task only: a final one waits for nothing). */
export function needsInput(task: Pick<Task, 'status' | 'attention'>): boolean {
  return task.status === 'running' && task.attention === 'input';
}

/** What a worktree task starts from: the repo, the commit the user had at launch, and how it is prepared. */
export interface Isolation {
  /** The top of the project's git repository (its main worktree). */
  repo: string;
  /** The full sha of the base commit. */
  base: string;
  /** The branch the base was on at launch (what its branch is merged into), if any. */
  baseBranch: string | null;
  setup: string[];
  copy: string[];
}

export interface Worktree {
  path: string;
  branch: string;
  base: string;
}

export interface DiffCount {
  files: number;
  insertions: number;
  deletions: number;
}

/** The worker's process where it runs (this machine, or the node of its job): written by the worker itself. */
export interface WorkerProcess {
  pid?: number | null;
  pidStartTime?: number | null;
}

/** A task whose worker is a process of this machine, held to maxParallelTasks. */
export interface LocalRun extends WorkerProcess {
  kind: 'local';
}

/**
 * A task run as a job in the queue of another system (a cluster): its job once
 * submitted, the node it runs on once its worker starts there.
 */
export interface JobRun extends WorkerProcess {
  jobId: string | null;
  node: string | null;
}

/** A task run as a Slurm batch job. */
export interface SlurmRun extends JobRun {
  kind: 'slurm';
  /** Options for sbatch given to this task (`--sbatch-arg`), after its executor's `sbatchArgs`. */
  sbatchArgs?: string[];
  /**
   * What Slurm says of the job now (PENDING, RUNNING, SUSPENDED...), why it waits, its
   * time limit and the time it has run (seconds): filled in for display from squeue's
   * answer (`status --json`, the table, the detail view), never written to the file.
   */
  state?: string;
  reason?: string | null;
  timeLimit?: number | null;
  timeUsed?: number | null;
}

/**
 * Every kind of place a task runs, by its tag: an executor adds its own entry (the
 * tests' batch executor does, by declaration merging).
 */
export interface RunKinds {
  local: LocalRun;
  slurm: SlurmRun;
}

export type RunsOn = RunKinds[keyof RunKinds];

/** The executor every task has unless told otherwise: a detached process on this machine. */
export const LOCAL_EXECUTOR = 'local';

/** Where a new local task runs: no worker yet. */
export const RUNS_HERE: LocalRun = { kind: 'local' };

/** Its worker's pid and start time, wherever it runs (null before the worker's first write). */
export function workerOf(task: Pick<Task, 'runsOn'>): { pid: number | null; startTime: number | null } {
  return { pid: task.runsOn.pid ?? null, startTime: task.runsOn.pidStartTime ?? null };
}

/** The task with its worker's pid and start time, as the worker's first write records them. */
export function withWorker<T extends Pick<Task, 'runsOn'>>(task: T, pid: number, startTime: number | null): T {
  return { ...task, runsOn: { ...task.runsOn, pid, pidStartTime: startTime } };
}

/** The job of a task that runs as one (any executor with a queue of its own), or null for a local one. */
export function jobOf(task: Pick<Task, 'runsOn'>): JobRun | null {
  return 'jobId' in task.runsOn ? task.runsOn : null;
}

/** The task with the job it was submitted as (no node yet); a local task as it is. */
export function withSubmittedJob(task: Task, jobId: string): Task {
  return jobOf(task) ? { ...task, runsOn: { ...task.runsOn, jobId, node: null } as RunsOn } : task;
}

/** The id of a task's job once it was submitted; null for a local task or one still being submitted. */
export function submittedJob(task: Pick<Task, 'runsOn'>): string | null {
  return jobOf(task)?.jobId ?? null;
}

/** A task that runs elsewhere than this machine (a cluster job): not under the local slot limit. */
export function isLocal(task: Pick<Task, 'runsOn'>): boolean {
  return task.runsOn.kind === 'local';
}

/**
 * Why its executor could not start a task (sbatch refused it, no controller, no worker
 * process): it failed before any worker of it ran, so nothing ever wrote its pid. Null
 * for any other task (one whose command failed at once has a worker that wrote its pid).
 */
export function startFailure(task: Pick<Task, 'status' | 'runsOn' | 'error'>): string | null {
  return task.status === 'failed' && !task.runsOn.pid ? (task.error ?? 'it could not be started') : null;
}

/**
 * Project names: what the CLI, the config and the launch form all accept. `__proto__`
 * cannot be a key of a plain object (JSON parsers and zod drop or misread it).
 */
export const PROJECT_NAME_RE = /^(?!__proto__$)[A-Za-z0-9._-]{1,64}$/;
export const PROJECT_NAME_RULE = 'project names are 1-64 letters, digits, ".", "_" and "-" (and not "__proto__")';

export function isFinal(status: TaskStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Not ended: queued, running, or waiting for a person. */
export function isActive(status: TaskStatus): boolean {
  return status === 'queued' || status === 'running' || status === 'waiting';
}

/** A task file that exists but could not be read as a task. */
export interface BrokenTask {
  id: string;
  broken: true;
  error: string;
}

export type TaskEntry = Task | BrokenTask;

export function isBroken(entry: TaskEntry): entry is BrokenTask {
  return (entry as BrokenTask).broken === true;
}

/**
 * A task the scheduler claimed whose worker has not made its first write: only that
 * worker may write it next, or a reaper that finds it never started. A Slurm task
 * stays `queued` while its job is pending: submitted (`claimedAt`), waiting for the
 * worker of its job (`jobId`; one not yet recorded may be any job of this task's), and
 * so does a task of any executor with a queue of its own.
 */
export function waitsForWorker(entry: TaskEntry | null, jobId?: string | null): entry is Task {
  if (!entry || isBroken(entry)) return false;
  const job = jobOf(entry);
  if (job) return entry.status === 'queued' && !!entry.claimedAt && (!job.jobId || !jobId || job.jobId === jobId);
  return entry.status === 'running' && !entry.runsOn.pid;
}

/**
 * A shell line as an argv: a stage's `run` from the config, a command typed in the
 * dashboard. What was typed is what a shell does with it (pipes, &&, quotes).
 */
export function shellArgv(line: string): string[] {
  return ['sh', '-c', line];
}

/**
 * What a task's worker runs, in order: a worktree's setup as one stage `setup` (stopping
 * at its first failing line), then the command, or each stage of the pipeline.
 */
export function taskSteps(
  task: Pick<Task, 'project' | 'command' | 'stages' | 'isolation'>,
): { name: string; argv: string[]; approve?: boolean }[] {
  const steps = task.command
    ? [{ name: task.project, argv: task.command }]
    : (task.stages ?? []).map((s) => ({ name: s.name, argv: shellArgv(s.run), ...(s.approve ? { approve: true } : {}) }));
  const setup = task.isolation?.setup ?? [];
  return setup.length ? [{ name: 'setup', argv: shellArgv(['set -e', ...setup].join('\n')) }, ...steps] : steps;
}

/**
 * The environment of a task's command: the launching shell's (not the worker's: it may be
 * another shell's), then the task's own, then what dev-tools tells it.
 */
export function commandEnv(
  task: Pick<Task, 'id' | 'project' | 'description' | 'env' | 'worktree' | 'attempt'>,
  launchEnv: Record<string, string>,
  stage: string,
): Record<string, string> {
  return {
    ...launchEnv,
    ...task.env,
    DEV_TOOLS_TASK_ID: task.id,
    DEV_TOOLS_PROJECT: task.project,
    DEV_TOOLS_TASK_DESCRIPTION: task.description,
    DEV_TOOLS_STAGE: stage,
    ...(task.worktree ? { DEV_TOOLS_WORKTREE: task.worktree.path } : {}),
    ...(task.attempt ? { DEV_TOOLS_ATTEMPT: String(task.attempt) } : {}),
  };
}

/** Shown as a pipeline (`stage 2/3`): the project's stages, or a command after a worktree's setup. */
export function runsAsPipeline(task: Pick<Task, 'stages' | 'isolation'>): boolean {
  return Boolean(task.stages) || Boolean(task.isolation?.setup.length);
}

/** Lists sort by creation time, oldest first; ids break ties. */
export function compareTasks(a: Pick<Task, 'createdAt' | 'id'>, b: Pick<Task, 'createdAt' | 'id'>): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Checks the shape of a parsed task file; returns a reason when it is not a task. */
export function taskShapeError(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const t = value as Record<string, unknown>;
  for (const key of ['id', 'project', 'createdAt', 'cwd', 'logFile'] as const) {
    if (typeof t[key] !== 'string') return `field "${key}" is missing or not a string`;
  }
  if (typeof t.description !== 'string') return 'field "description" is missing or not a string';
  if (!TASK_STATUSES.includes(t.status as TaskStatus)) return `unknown status ${JSON.stringify(t.status)}`;
  const hasCommand = Array.isArray(t.command) && t.command.every((a) => typeof a === 'string');
  const hasStages = Array.isArray(t.stages);
  if (!hasCommand && !hasStages) return 'neither "command" nor "stages" is set';
  return null;
}

/** What identifies "the same job" for ETA history: project plus what runs. */
export function historyKey(task: Pick<Task, 'project' | 'command' | 'stages'>): string {
  return JSON.stringify([task.project, task.command ?? null, task.stages?.map((s) => s.run) ?? null]);
}

/**
 * A task as its file and `--json` hold it: `runsOn`, and beside it the fields earlier
 * versions wrote and scripts read — the worker's `pid` and `pidStartTime`, and a Slurm
 * task's `slurm` (its job) — kept so that nothing that read them breaks.
 */
export type TaskJson = Omit<Task, 'runsOn'> & {
  /** Absent in files of earlier versions. */
  runsOn?: RunsOn;
  pid?: number | null;
  pidStartTime?: number | null;
  slurm?: Omit<SlurmRun, 'kind' | 'pid' | 'pidStartTime'>;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** What Slurm said of a job for display: never in its file. */
const SLURM_DISPLAY_KEYS = ['state', 'reason', 'timeLimit', 'timeUsed'] as const;

/**
 * The task's JSON: `forFile` leaves out what is only shown (what Slurm says of a job now).
 * The worker's pid and a Slurm job are written twice, in `runsOn` and where earlier
 * versions read them.
 */
export function taskToJson(task: Task, forFile = false): TaskJson {
  const { runsOn, ...rest } = task;
  let run: RunsOn = runsOn;
  if (forFile && run.kind === 'slurm') {
    const kept = { ...run };
    for (const key of SLURM_DISPLAY_KEYS) delete kept[key];
    run = kept;
  }
  const out = { ...rest } as TaskJson;
  if (forFile) delete out.queueReason;
  if (run.pid !== undefined) out.pid = run.pid;
  if (run.pidStartTime !== undefined) out.pidStartTime = run.pidStartTime;
  if (run.kind === 'slurm') {
    const { kind: _kind, pid: _pid, pidStartTime: _start, ...job } = run;
    out.slurm = job;
  }
  out.runsOn = run;
  return out;
}

/**
 * The task of a parsed file (checked by taskShapeError) of any version: one without
 * `runsOn` runs where its `slurm` field says (or here). Where both are there the older
 * fields win: a process of an earlier version, still running while dev-tools was
 * upgraded, updates those and leaves `runsOn` as it found it.
 */
export function taskFromJson(value: Record<string, unknown>): Task {
  const { runsOn: raw, pid, pidStartTime, slurm, ...rest } = value;
  const given = isObject(raw) && typeof raw.kind === 'string' ? (raw as unknown as RunsOn) : null;
  // Each as the file has it: absent until the worker writes it.
  const worker: WorkerProcess = {};
  if ('pid' in value || (given && 'pid' in given)) worker.pid = numberOrNull('pid' in value ? pid : given?.pid);
  if ('pidStartTime' in value || (given && 'pidStartTime' in given))
    worker.pidStartTime = numberOrNull('pidStartTime' in value ? pidStartTime : given?.pidStartTime);
  let runsOn: RunsOn;
  if (isObject(slurm)) {
    const job = slurm as Partial<SlurmRun>;
    runsOn = {
      ...job,
      kind: 'slurm',
      jobId: typeof job.jobId === 'string' ? job.jobId : null,
      node: typeof job.node === 'string' ? job.node : null,
      ...worker,
    };
  } else if (given && given.kind !== 'local') {
    runsOn = { ...given, ...worker };
  } else {
    runsOn = { kind: 'local', ...worker };
  }
  return { ...(rest as Omit<Task, 'runsOn'>), runsOn };
}
