// One run of a task inside its worker: the command or each stage in turn, the
// markers read from the log, and the task file, which only this run writes while
// the task runs. The process around it (argv, signals, early failure): entries/worker.ts.
import { fstatSync } from 'node:fs';
import { firstStep, gateAt, gateName, waitingAt } from '../core/gate.js';
import type { Marker } from '../core/markers.js';
import { addSpend, overBudget } from '../core/spend.js';
import { ProgressTracker } from '../core/progress.js';
import { describeError } from '../core/errors.js';
import {
  commandEnv,
  historyKey,
  runsAsPipeline,
  taskSteps,
  withWorker,
  type Resources,
  type Task,
  type TaskStatus,
  type Worktree,
} from '../core/task.js';
import { describeEnd } from '../core/task-view.js';
import { formatLimit, retryDelaySeconds } from '../core/queue.js';
import type { Config } from '../store/config.js';
import { recentDurations, recordDuration } from '../store/history.js';
import { keepLaunchEnv, removeLaunchEnv } from '../store/launch-env.js';
import type { Ledger } from '../store/ledger.js';
import { MarkerReader } from '../store/log-cursor.js';
import type { TaskStore } from '../store/tasks.js';
import { stopContained } from './graceful-stop.js';
import { cgroupOomKills } from './cgroup.js';
import { containTask, outOfMemoryError, releaseCgroup } from './containment.js';
import { ResourceMeter } from './resources.js';
import { underFirstWriteLock } from './hand-over.js';
import { CGROUP_ENTRY_FAILED, ownStartTime } from './proc.js';
import { sleep } from './sleep.js';
import { StateWriter } from './state-writer.js';
import { testPoint } from './test-stop.js';
import { logLine, spawnStep, stepProblem, stepRecorded, whyUnrecorded, type Step, type StepResult } from './step.js';
import type { GitContext } from './git.js';
import type { ProgramRunner } from './program.js';
import type { Attention, TaskTerminal } from './task-terminal.js';
import { runWaitingHook } from './waiting-hook.js';

const MARKER_POLL_MS = 100;
/** How often what the task uses is measured (written with the progress, at most once a second). */
const RESOURCE_SAMPLE_MS = 1000;
/** A git step stopped at its deadline has this long between TERM and KILL. */
const GIT_KILL_AFTER_MS = 2000;

export class TaskRun {
  private task: Task;
  private readonly startedMs = Date.now();
  /** When the current attempt started: its ETA, and the duration history records, count from here. */
  private attemptStartedMs = this.startedMs;
  /** Times the program in its terminal has asked for input (each one's onWaiting is told apart by it). */
  private questions = 0;
  private progress: ProgressTracker;
  /** The current attempt ran past the task's timeout: it is being stopped, as a cancel stops it. */
  private timedOut = false;
  /** Ends the wait between two attempts early (a cancel). */
  private wake: (() => void) | null = null;
  private readonly writer: StateWriter;
  private cancelling = false;
  /**
   * How a stop ends the task: `cancelled`, `interrupted` when the cluster stopped its job,
   * `failed` when it spent past its budget.
   */
  private stopAs: { status: 'cancelled' | 'interrupted' | 'failed'; error: string | null } = { status: 'cancelled', error: null };
  /** Why the cluster stopped it, as asked while the stop goes on (it replaces the error then). */
  private stopDetail: Promise<string> | null = null;
  /** The task file holds this worker's pid: from then on only this worker writes it. */
  private started = false;
  private currentGroup: { pgid: number; startTime: number | null } | null = null;
  /** The task's cgroup, when it has one (every step runs in it). */
  private cgroup: string | null = null;
  private meter: ResourceMeter | null = null;
  private resources: Resources | null = null;
  /** The task's memory limit (bytes), when it has one: a SIGKILL the kernel counts as an OOM kill is reported so. */
  private memoryLimit: number | null = null;
  private readonly markers: MarkerReader;
  private readonly pipeline: boolean;
  /** Where commands run: the project's cwd, or its place in the task's worktree. */
  private cwd: string;
  /** Git runs so far (each a step of its own in the ledger: step-git-<n>). */
  private gitRuns = 0;
  /** Where the log stood when the current stage began: a gate after it shows that stage's output (the plan). */
  private stageLogFrom = 0;
  /** The terminal its steps run in (a `--tty` task), opened before the first one. */
  private terminal: TaskTerminal | null = null;

  constructor(
    private readonly store: TaskStore,
    private readonly config: Config,
    private readonly ledger: Ledger,
    task: Task,
    private readonly logFd: number,
    private readonly launchEnv: Record<string, string>,
    /**
     * In a job (Slurm) the cluster signals every process at once: a command may die of
     * that SIGTERM before this worker has handled its own. A step that failed waits
     * this long for it, so a cancel or a stop by the cluster is not taken for a failure.
     */
    private readonly signalSettleMs = 0,
    /** In a job its cluster holds its processes together, and measures them. */
    private readonly inJob = false,
  ) {
    this.task = task;
    this.cwd = task.cwd;
    this.pipeline = runsAsPipeline(task);
    this.progress = new ProgressTracker(this.pipeline, this.startedMs, recentDurations(store.paths, historyKey(task)), task);
    this.markers = new MarkerReader(store.logPath(task.id), (m) => this.onMarker(m));
    this.writer = new StateWriter(store, () => this.current());
  }

  onCancel(as?: { status: 'interrupted' | 'failed'; error: string; detail?: Promise<string> }): void {
    if (this.cancelling) return;
    this.cancelling = true;
    if (as) {
      this.stopAs = { status: as.status, error: as.error };
      this.stopDetail = as.detail ?? null;
    }
    this.wake?.();
    if (this.currentGroup) void this.stopCurrent();
  }

  /** The attempt's time is up: stopped as a cancel stops it (TERM, grace, KILL of its group); the task fails. */
  private onTimeout(): void {
    if (this.cancelling || this.timedOut) return;
    this.timedOut = true;
    this.log(`timed out after ${formatLimit(this.task.timeout ?? 0)}: stopping it`);
    if (this.currentGroup) void this.stopCurrent();
  }

  /** Stopped by a cancel or by the attempt's timeout. */
  private get stopped(): boolean {
    return this.cancelling || this.timedOut;
  }

  /** The one stop of what runs now (a cancel, a timeout): the step's group and everything in the task's cgroup. */
  private async stopCurrent(): Promise<void> {
    const g = this.currentGroup;
    if (g) await stopContained({ ...g, cgroup: this.cgroup }, this.config.cancelGraceMs);
  }

  async run(): Promise<void> {
    const steps = taskSteps(this.task);
    const poll = setInterval(() => this.markers.poll(), MARKER_POLL_MS);
    let final: { status: TaskStatus; result: StepResult } = { status: 'completed', result: { exitCode: 0, signal: null, error: null } };
    this.ledger.allowCommands();
    // After an approval: the stages from the gate on, in the worktree made before it.
    const start = firstStep(this.task);
    const made = this.task.worktree && this.task.isolation ? this.task.worktree : null;
    if (made && this.task.isolation) this.cwd = (await import('./worktree.js')).worktreeCwd(this.task, this.task.isolation, made);
    const prepared =
      this.contain() ??
      (this.task.tty ? await this.openTerminal() : null) ??
      (this.task.isolation && !made ? await this.prepareWorktree() : null);
    let gate: number | null = null;
    if (prepared) {
      final = this.cancelling
        ? { status: this.stopAs.status, result: { exitCode: null, signal: null, error: this.stopAs.error } }
        : { status: 'failed', result: { exitCode: null, signal: null, error: prepared } };
    }
    const attempts = Math.max(1, this.task.attempts ?? 1);
    for (let attempt = 1; !prepared; attempt++) {
      if (attempts > 1) this.beginAttempt(attempt, attempts);
      const ran = await this.runAttempt(steps, start);
      final = ran;
      // A gate ahead: the worker leaves, the task waits for a person.
      if (ran.gate !== undefined) {
        gate = ran.gate;
        break;
      }
      if (final.status !== 'failed' || this.cancelling || attempt >= attempts || (this.timedOut && !this.task.retryOnTimeout)) break;
      // A step that could not even start (a missing command, a full disk) fails the same way again.
      if (final.result.error && !this.timedOut) break;
      const delay = retryDelaySeconds(this.task.retryDelay, attempt + 1);
      this.log(
        `attempt ${attempt}/${attempts} failed (${this.timedOut ? 'timed out' : describeEnd(final.result)})${delay ? `; the next in ${formatLimit(delay)}` : ''}`,
      );
      testPoint('retry-wait');
      await this.pause(delay * 1000);
      if (this.cancelling) {
        final = { status: this.stopAs.status, result: { ...final.result, error: this.stopAs.error } };
        break;
      }
    }
    clearInterval(poll);
    this.markers.drain();
    this.markers.close();
    if (gate !== null && !this.cancelling && final.status === 'completed') return this.waitAtGate(gate, start);
    if (this.stopDetail && final.status === this.stopAs.status && final.result.error === this.stopAs.error) {
      final.result = { ...final.result, error: await this.stopDetail.catch(() => this.stopAs.error) };
    }
    try {
      await this.finish(final.status, final.result);
    } finally {
      // After the final state: an attach that sees its socket close reads it at once.
      this.terminal?.close();
    }
    // Empty since its last step settled: removed after the final state, whose write it must not
    // take room from on a full disk (its record frees a page). A worker killed before this
    // leaves it to the sweepers, by its record.
    if (this.cgroup) releaseCgroup(this.ledger, this.cgroup);
  }

  /** The terminal of a `--tty` task (node-pty is loaded here, and only here); returns why it cannot be had, or null. */
  private async openTerminal(): Promise<string | null> {
    const [{ TaskTerminal }, { terminalSocketPath }] = await Promise.all([
      import('./task-terminal.js'),
      import('../store/terminal-socket.js'),
    ]);
    const opened = await TaskTerminal.open(terminalSocketPath(this.store.paths, this.task.id), this.logFd, (a) => this.setAttention(a));
    if ('error' in opened) return opened.error;
    this.terminal = opened;
    return null;
  }

  /**
   * The one place a task's attention changes, set and cleared: the program in its terminal
   * waits for input (`input`), or no longer does (null). Written at once; each question
   * is announced by the onWaiting hook, once.
   */
  private setAttention(attention: Attention): void {
    if ((this.task.attention ?? null) === attention) return;
    this.task = { ...this.task, attention };
    if (this.started) this.writer.now();
    if (attention === 'input') {
      this.questions++;
      void runWaitingHook(this.store, this.config, this.current(), 'input', { key: String(this.questions), baseEnv: this.launchEnv });
    }
  }

  /** An attempt after a failed one starts afresh: its own header in the log, progress and ETA. */
  private beginAttempt(attempt: number, attempts: number): void {
    this.log(`── attempt ${attempt}/${attempts} ──`);
    this.timedOut = false;
    this.attemptStartedMs = Date.now();
    if (attempt > 1) {
      this.progress = new ProgressTracker(this.pipeline, this.attemptStartedMs, recentDurations(this.store.paths, historyKey(this.task)));
    }
    const { timedOut: _t, stage: _s, progress: _p, ...rest } = this.task;
    this.task = { ...rest, attempt };
    if (this.started) this.writer.now();
  }

  /**
   * One run of the steps from `start` (after an approval, the gate's), stopped at the first
   * that fails, by a cancel, at the timeout, or before a gate (`gate`: its step).
   */
  private async runAttempt(
    steps: { name: string; argv: string[] }[],
    start: number,
  ): Promise<{ status: TaskStatus; result: StepResult; gate?: number }> {
    const count = steps.length;
    const limit = this.task.timeout;
    const timer = limit ? setTimeout(() => this.onTimeout(), Math.min(limit * 1000, 2 ** 31 - 1)) : null;
    try {
      for (let index = start; index < count; index++) {
        if (this.stopped) return this.stoppedEnd({ exitCode: null, signal: null, error: null });
        if (gateAt(this.task, index)) return { status: 'completed', result: { exitCode: 0, signal: null, error: null }, gate: index };
        const step = steps[index]!;
        this.stageLogFrom = this.logSize();
        if (this.pipeline) {
          this.log(`stage ${index + 1}/${count}: ${step.name}`);
          this.progress.beginStage(index, count, step.name);
        }
        const result = await this.runStep(step.argv, index, count);
        if (this.signalSettleMs && !this.stopped && (result.signal || result.exitCode !== 0)) await sleep(this.signalSettleMs);
        if (this.stopped) return this.stoppedEnd(result);
        if (result.error || result.exitCode !== 0) return { status: 'failed', result };
      }
      return { status: 'completed', result: { exitCode: 0, signal: null, error: null } };
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** How an attempt stopped by a cancel or its timeout ends. */
  private stoppedEnd(result: StepResult): { status: TaskStatus; result: StepResult } {
    if (this.cancelling) return { status: this.stopAs.status, result: { ...result, error: result.error ?? this.stopAs.error } };
    return { status: 'failed', result: { ...result, error: `timed out after ${formatLimit(this.task.timeout ?? 0)}` } };
  }

  /** Waits between attempts; a cancel ends the wait. */
  private async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.cancelling) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = null;
  }

  private logSize(): number {
    try {
      return fstatSync(this.logFd).size;
    } catch {
      return 0;
    }
  }

  /**
   * The gate before step `index`: the task waits for a person, holding no slot and no
   * worker. Its launching environment goes back to env/<id>.json for the worker an
   * approval starts (and for the onWaiting hook); the stage before it is the plan.
   */
  private async waitAtGate(index: number, start: number): Promise<void> {
    this.writer.stop();
    const now = Date.now();
    const plan = index > start ? { from: this.stageLogFrom, to: this.logSize() } : null;
    const waiting = waitingAt(this.current(), index, now, { ranMs: this.started ? now - this.startedMs : 0, plan });
    this.log(`${gateName(waiting.gate!)} waits for approval: dev-tools approve ${this.task.id} (or reject)`);
    try {
      keepLaunchEnv(this.store.paths, this.task.id, this.launchEnv);
    } catch (err) {
      // Without it an approval could not start the rest in the task's environment.
      return this.finish('failed', { exitCode: null, signal: null, error: `cannot wait at the gate: ${describeError(err)}` });
    }
    this.task = waiting;
    if (!this.started) {
      // No command ran (a gate before the first stage): this is the first write, under the lock.
      await underFirstWriteLock(this.store, this.task, () => this.store.write(this.task));
      return;
    }
    await this.writer.final(this.task, () => testPoint('waiting-write'));
  }

  /**
   * Where the task's processes are held (its cgroup, or process groups), before anything
   * runs; the meter of what they use. Returns why the task cannot run as configured, or null.
   */
  private contain(): string | null {
    const limits = this.config.projects[this.task.project]?.limits ?? {};
    // Limits added to config.json after a job was submitted: its cluster's, never ignored here.
    if (this.inJob && (limits.memory !== undefined || limits.cpus !== undefined)) {
      return `project "${this.task.project}" has limits, which apply to local tasks (ask the cluster: --sbatch-arg=--mem=...)`;
    }
    const setting = this.inJob ? 'process-group' : (this.config.containment ?? 'auto');
    const c = containTask(this.ledger, this.store.paths.home, this.task.id, setting, limits);
    if ('problem' in c) return c.problem;
    this.cgroup = c.cgroup;
    this.memoryLimit = c.memoryLimit;
    // A job's processes are its cluster's to hold together (scancel stops them all): not said here.
    if (!this.inJob) {
      this.task = { ...this.task, containment: c.cgroup ? 'cgroup' : 'process-group' };
      this.meter = new ResourceMeter(this.cgroup);
      const timer = setInterval(() => this.measure(), RESOURCE_SAMPLE_MS);
      timer.unref();
      this.stopMeasuring = () => clearInterval(timer);
    }
    return null;
  }

  private stopMeasuring: () => void = () => {};

  private measure(): void {
    if (!this.meter || !this.started) return;
    const r = this.meter.sample(this.currentGroup?.pgid ?? null);
    const was = this.resources;
    this.resources = r;
    if (!was || was.cpuSeconds !== r.cpuSeconds || was.memoryBytes !== r.memoryBytes || was.cpuPercent !== r.cpuPercent)
      this.writer.changed(true);
  }

  /**
   * The worktree, made after the first write (git may take a while on a big repo; the
   * worker is alive and cancellable meanwhile). Returns why it could not be made, or null.
   */
  private async prepareWorktree(): Promise<string | null> {
    // Shown as stage `worktree` meanwhile (and where it failed, if it does).
    const stage = { index: 0, count: 1, name: 'worktree', phase: null };
    await this.firstWrite(() => {
      this.task = { ...this.task, startedAt: new Date(this.startedMs).toISOString(), stage };
    });
    if (!this.started) return null;
    const made = (worktree: Worktree) => ((this.task = { ...this.task, worktree, stage: null }), this.writer.now());
    const opened = (await import('./worktree.js')).openTaskWorktree(
      this.store.paths,
      this.task,
      { made, log: (l) => this.log(l) },
      { ...this.gitContext('worktree'), stopped: () => this.cancelling },
    );
    return opened.then((cwd) => ((this.cwd = cwd), null), describeError);
  }

  /**
   * Git and the hooks it starts run as steps of this task, with the task's environment:
   * each in a process group of its own recorded in the ledger before it runs (a worker
   * killed meanwhile leaves them to the sweepers), stopped by a cancel, and whatever a
   * hook leaves behind is stopped once git exits, as for a command.
   */
  private gitContext(stage: string): GitContext {
    return { env: commandEnv(this.task, this.launchEnv, stage), runner: this.runGit };
  }

  private readonly runGit: ProgramRunner = async (argv, opts) => {
    const step = spawnStep(this.ledger, `git-${++this.gitRuns}`, argv, { ...opts, cwd: opts.cwd ?? this.cwd, cgroup: this.cgroup });
    if ('error' in step) return step;
    if (opts.label === 'worktree-add') testPoint('worktree-add');
    // Past its deadline, git's whole group is stopped as a cancel stops a step (TERM, grace, KILL).
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      void stopContained({ pgid: step.pgid, startTime: step.startTime, cgroup: this.cgroup }, GIT_KILL_AFTER_MS);
    }, opts.timeoutMs);
    const exit = await this.settle(step).finally(() => clearTimeout(deadline));
    // Git never ran: its record could not be written (a full disk), which git's exit code would not say.
    if (exit.code === 126 && !exit.recorded) return { error: `cannot start git: ${whyUnrecorded(step.record)}` };
    if (!exit.ran) return { error: `cannot start git: ${this.cgroupEntryFailed()}` };
    return { ...exit, timedOut };
  };

  /**
   * Waits for a step's main process, then stops what it left in its group; the record
   * goes once the group is gone. `recorded`: the step had written its record.
   */
  private async settle(step: Step): Promise<{ code: number | null; signal: string | null; recorded: boolean; ran: boolean }> {
    this.currentGroup = { pgid: step.pgid, startTime: step.startTime };
    const exited = await step.exited;
    const recorded = stepRecorded(step.record);
    // The prelude empties its record and exits 124 when it cannot enter the cgroup: nothing ran.
    const exit = { ...exited, recorded, ran: !(exited.code === CGROUP_ENTRY_FAILED && !recorded) };
    this.measure();
    // The main process ended the step: whatever it left (in its group, in the task's cgroup) is
    // stopped too, as systemd's KillMode=control-group does; the slot is held until it is all gone.
    const { gone, stopped } = await stopContained(
      { pgid: step.pgid, startTime: step.startTime, cgroup: this.cgroup },
      this.config.cancelGraceMs,
    );
    if (stopped > 0 && !this.stopped) this.log(`stopped ${stopped} process${stopped === 1 ? '' : 'es'} it left running`);
    // A group that outlives even KILL keeps its record: it still holds the task's slot.
    if (gone) this.ledger.endStep(step.record);
    this.currentGroup = null;
    return exit;
  }

  private cgroupEntryFailed(): string {
    return `cannot move into its cgroup ${this.cgroup ?? ''}`;
  }

  private async runStep(argv: string[], index: number, count: number): Promise<StepResult> {
    const env = commandEnv(this.task, this.launchEnv, this.progress.stage?.name ?? '');
    const problem = stepProblem(argv, this.cwd, env);
    if (problem) return { exitCode: null, signal: null, error: problem };

    const spawnOne = () => {
      const s = spawnStep(this.ledger, index, argv, {
        cwd: this.cwd,
        env,
        stdout: this.logFd,
        stderr: this.logFd,
        terminal: this.terminal,
        cgroup: this.cgroup,
      });
      if (!('error' in s)) this.currentGroup = { pgid: s.pgid, startTime: s.startTime };
      return s;
    };
    let step: Step | { error: string };
    if (!this.started) {
      // The first command starts under the scheduler lock, with the first write: a
      // reaper (which reaps a worker that never showed up only under that lock) either
      // sees this worker's pid, or this worker sees the final state and runs nothing.
      step = await this.firstWrite(() => {
        const s = spawnOne();
        if ('error' in s) return s;
        this.recordStep(s, index, count);
        testPoint('spawned');
        return s;
      });
    } else {
      step = spawnOne();
      if (!('error' in step)) {
        this.recordStep(step, index, count);
        testPoint('stage-spawned');
        this.writer.now();
      }
    }
    if ('error' in step) return { exitCode: null, signal: null, error: step.error };
    if (this.stopped) void this.stopCurrent();

    const oomKills = this.cgroup && this.memoryLimit !== null ? cgroupOomKills(this.cgroup) : 0;
    const exit = await this.settle(step);
    this.markers.drain();
    // Its prelude could not write its record (a full disk): the command never ran; say so, not "exit 126".
    if (exit.code === 126 && !exit.recorded) {
      const what = this.pipeline ? `stage ${index + 1}/${count} (${this.progress.stage?.name ?? index + 1})` : 'the command';
      return { exitCode: null, signal: null, error: `cannot start ${what}: ${whyUnrecorded(step.record)}` };
    }
    if (!exit.ran) return { exitCode: null, signal: null, error: `cannot start the command: ${this.cgroupEntryFailed()}` };
    if (exit.signal === 'SIGKILL' && this.cgroup && this.memoryLimit !== null && cgroupOomKills(this.cgroup) > oomKills) {
      return { exitCode: null, signal: exit.signal, error: outOfMemoryError(this.memoryLimit) };
    }
    return { exitCode: exit.code, signal: exit.signal, error: null };
  }

  private recordStep(step: Step, index: number, count: number): void {
    // A task resumed after a gate keeps when it first started.
    const started = !this.task.startedAt
      ? withWorker({ ...this.task, startedAt: new Date(this.startedMs).toISOString() }, process.pid, ownStartTime())
      : index === firstStep(this.task)
        ? withWorker(this.task, process.pid, ownStartTime())
        : this.task;
    this.task = { ...started, commandPid: step.pgid, commandStartTime: step.startTime };
    if (this.progress.stepStarted(index, count, Date.now())) this.writer.changed();
  }

  /**
   * This worker's first write, under the scheduler lock: only if the task still waits
   * for a worker (a reaper may have recorded it as never started). `prepare` sets the
   * fields to write (and starts the first command); its result is returned.
   */
  private async firstWrite<T>(prepare: () => T | { error: string }): Promise<T | { error: string }> {
    const out = await underFirstWriteLock(this.store, this.task, () => {
      const r = prepare();
      if (typeof r === 'object' && r !== null && 'error' in r) return r;
      this.task = withWorker(this.task, process.pid, ownStartTime());
      this.writer.now();
      this.started = true;
      return r;
    });
    // It has started: its launching environment is in this process now, not on disk.
    if (this.started) removeLaunchEnv(this.store.paths, this.task.id);
    return out;
  }

  private log(text: string): void {
    logLine(this.logFd, text);
  }

  private onMarker(m: Marker): void {
    if (m.kind === 'spend') return this.onSpend(m);
    this.progress.apply(m, Date.now());
    this.writer.changed(m.kind !== 'stage');
  }

  /** Spend adds up, over every stage and every worker of the task; past its budget the task stops as a cancel stops it. */
  private onSpend(m: Extract<Marker, { kind: 'spend' }>): void {
    this.task = { ...this.task, spend: addSpend(this.task.spend, m) };
    const over = overBudget(this.task.spend, this.task.budget);
    if (over && !this.cancelling) {
      this.log(over);
      this.onCancel({ status: 'failed', error: over });
      this.writer.now();
      return;
    }
    this.writer.changed(true);
  }

  /** The task as it is now, with its stage and progress (none yet: not in the file either). */
  private current(): Task {
    const { stage, progress } = this.progress;
    return {
      ...this.task,
      ...(stage ? { stage } : {}),
      ...(progress ? { progress } : {}),
      ...(this.resources ? { resources: this.resources } : {}),
    };
  }

  private async finish(status: TaskStatus, result: StepResult): Promise<void> {
    this.writer.stop();
    this.stopMeasuring();
    const now = Date.now();
    const stage = this.progress.stage;
    this.progress.finish(status === 'completed', now);
    this.task = {
      ...this.current(),
      ...(this.task.attention ? { attention: null } : {}),
      status,
      exitCode: result.exitCode,
      signal: result.signal,
      error: result.error || null,
      completedAt: new Date(now).toISOString(),
      ...(this.timedOut && status === 'failed' ? { timedOut: true } : {}),
    };
    if (status === 'failed' && this.pipeline && stage) {
      this.log(`stage ${stage.index + 1}/${stage.count} ${stage.name} failed (${describeEnd(result)})`);
    }
    if (status === 'cancelled') this.log('cancelled');
    if (result.error) this.log(result.error);
    // What it changed, whatever its end; the worktree and branch stay for review.
    if (this.task.worktree) {
      const ctx = this.gitContext(stage?.name ?? '');
      this.task = await (await import('./worktree.js')).withEndDiff(this.task, this.task.worktree, (l) => this.log(l), ctx);
    }
    // Final: nothing of the task runs any more (the cgroup, and its cpu.stat, go after the final write).
    if (this.meter && this.started) this.task = { ...this.task, resources: this.meter.final() };
    if (!this.started) {
      // Nothing ran (a bad cwd, a missing command, a cancel before the start): this is the first write.
      await this.firstWrite(() => undefined);
      return;
    }
    // Before the final state: whoever sees `completed` and launches again gets this run's ETA (and cost).
    if (status === 'completed') {
      try {
        // The successful attempt's time (the failed ones before it say nothing of how long it takes), with the runs before a gate.
        recordDuration(this.store.paths, historyKey(this.task), (this.task.ranMs ?? 0) + now - this.attemptStartedMs, this.task.spend);
      } catch {
        // history is a nicety
      }
    }
    await this.writer.final(this.task, () => testPoint('final-write'));
  }
}
