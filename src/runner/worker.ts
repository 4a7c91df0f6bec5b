// The detached worker: `node worker.js <stateHome> <taskId>`. It runs the task's
// command or stages, appends output to the log, reads progress markers, and is the
// only writer of its task file while the task runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { describeError, errnoReason, TaskError } from '../core/errors.js';
import { EtaEstimator, etaFromHistory } from '../core/eta.js';
import { describeEnd } from '../core/task-view.js';
import { MarkerScanner, overallPercent, type Marker } from '../core/progress.js';
import { historyKey, shellArgv, waitsForWorker, type Task, type TaskStatus } from '../core/task.js';
import { printable } from '../core/terminal-text.js';
import { loadConfig, type Config } from '../store/config.js';
import { recentDurations, recordDuration } from '../store/history.js';
import { readLaunchEnv, removeLaunchEnv } from '../store/launch-env.js';
import { Ledger } from '../store/ledger.js';
import { ensureStateDirs, statePaths } from '../store/paths.js';
import { TaskStore } from '../store/tasks.js';
import { findCommand } from './command-path.js';
import { openLogForAppend } from './executor.js';
import { liveGroups } from './orphans.js';
import { ownStartTime, startTimeOf, STEP_PRELUDE, STEP_PRELUDE_NAME } from './proc.js';
import { schedule, schedulerLock } from './scheduler.js';
import { sleep } from './sleep.js';
import { stopGroup } from './stop-group.js';

const WRITE_INTERVAL_MS = 250;
const MARKER_POLL_MS = 100;

interface StepResult {
  exitCode: number | null;
  signal: string | null;
  error: string | null;
}

/**
 * Reads the log as it grows, with one fixed buffer, and hands over the markers in it.
 * The log keeps every byte the command wrote; readers hide marker lines.
 */
class LogMarkerReader {
  private readonly buf = Buffer.alloc(256 * 1024);
  private readonly scanner = new MarkerScanner();
  private readonly fd: number | null;
  private offset: number;

  constructor(path: string, private readonly onMarker: (m: Marker) => void) {
    let fd: number | null = null;
    let size = 0;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      size = fstatSync(fd).size;
    } catch {
      fd = null;
    }
    this.fd = fd;
    this.offset = size;
  }

  /** Reads what was appended since the last call, at most `maxBytes` (stays responsive to signals). */
  poll(maxBytes = 64 * 1024 * 1024): void {
    if (this.fd === null) return;
    try {
      // Someone truncated the log: the command goes on appending at the new end.
      if (fstatSync(this.fd).size < this.offset) this.offset = 0;
    } catch {
      return;
    }
    let read = 0;
    while (read < maxBytes) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      } catch {
        return;
      }
      if (n === 0) return;
      this.offset += n;
      read += n;
      for (const m of this.scanner.feed(this.buf.subarray(0, n)).markers) this.onMarker(m);
    }
  }

  drain(): void {
    this.poll(Number.POSITIVE_INFINITY);
  }

  close(): void {
    for (const m of this.scanner.end().markers) this.onMarker(m);
    if (this.fd !== null) closeSync(this.fd);
  }
}

class Abandoned extends Error {}

/**
 * Test-only: DEV_TOOLS_TEST_STOP_AT=<point> makes the worker stop itself (SIGSTOP) at
 * that point, so a test can kill it exactly there. Points: `spawned` (first command
 * started, its pid not yet recorded), `stage-spawned` (a later stage started, still
 * recorded as the previous one), `final-write` (final state written to its temp file,
 * not yet renamed into place). Unset, it does nothing.
 */
const TEST_STOP_AT = process.env.DEV_TOOLS_TEST_STOP_AT;
function testPoint(name: 'spawned' | 'stage-spawned' | 'final-write'): void {
  if (TEST_STOP_AT === name) process.kill(process.pid, 'SIGSTOP');
}

/** How long a worker waits for the scheduler lock for its first write before giving up. */
const FIRST_WRITE_LOCK_MS = 60_000;

interface Step {
  pgid: number;
  startTime: number | null;
  record: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

class Worker {
  private task: Task;
  private readonly startedMs = Date.now();
  private readonly eta = new EtaEstimator();
  private readonly historyDurations: number[];
  private message: string | null = null;
  private dirty = false;
  private lastWrite = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private cancelling = false;
  /** The task file holds this worker's pid: from then on only this worker writes it. */
  private started = false;
  private currentGroup: { pgid: number; startTime: number | null } | null = null;
  private readonly markers: LogMarkerReader;

  constructor(
    private readonly store: TaskStore,
    private readonly config: Config,
    private readonly ledger: Ledger,
    task: Task,
    private readonly logFd: number,
    private readonly launchEnv: Record<string, string>,
  ) {
    this.task = task;
    this.eta.begin(this.startedMs);
    this.historyDurations = recentDurations(store.paths, historyKey(task));
    this.markers = new LogMarkerReader(store.logPath(task.id), (m) => this.onMarker(m));
  }

  onCancel(): void {
    if (this.cancelling) return;
    this.cancelling = true;
    if (this.currentGroup) void this.stopCurrent();
  }

  private async stopCurrent(): Promise<void> {
    const g = this.currentGroup;
    if (g) await stopGroup(g.pgid, g.startTime, this.config.cancelGraceMs);
  }

  async run(): Promise<void> {
    const steps = this.task.command
      ? [{ name: this.task.project, argv: this.task.command }]
      : (this.task.stages ?? []).map((s) => ({ name: s.name, argv: shellArgv(s.run) }));
    const count = steps.length;
    const poll = setInterval(() => this.markers.poll(), MARKER_POLL_MS);
    let final: { status: TaskStatus; result: StepResult } = { status: 'completed', result: { exitCode: 0, signal: null, error: null } };
    this.ledger.allowCommands();
    for (let index = 0; index < count; index++) {
      if (this.cancelling) {
        final = { status: 'cancelled', result: { exitCode: null, signal: null, error: null } };
        break;
      }
      const step = steps[index]!;
      if (this.task.stages) {
        this.log(`stage ${index + 1}/${count}: ${step.name}`);
        this.task.stage = { index, count, name: step.name, phase: null };
        this.message = null;
      }
      const result = await this.runStep(step.argv, index, count);
      if (this.cancelling) {
        final = { status: 'cancelled', result };
        break;
      }
      if (result.error || result.exitCode !== 0) {
        final = { status: 'failed', result };
        break;
      }
    }
    clearInterval(poll);
    this.markers.drain();
    this.markers.close();
    await this.finish(final.status, final.result);
  }

  private async runStep(argv: string[], index: number, count: number): Promise<StepResult> {
    // The launching shell's environment (not this worker's: it may be another shell's), then the task's.
    const env: Record<string, string> = {
      ...this.launchEnv,
      ...this.task.env,
      DEV_TOOLS_TASK_ID: this.task.id,
      DEV_TOOLS_PROJECT: this.task.project,
      DEV_TOOLS_TASK_DESCRIPTION: this.task.description,
      DEV_TOOLS_STAGE: this.task.stage?.name ?? '',
    };
    try {
      if (!statSync(this.task.cwd).isDirectory()) throw new Error('not a directory');
    } catch {
      return { exitCode: null, signal: null, error: `working directory does not exist: ${this.task.cwd}` };
    }
    const missing = findCommand(argv[0]!, env.PATH, this.task.cwd);
    if (missing) return { exitCode: null, signal: null, error: missing };

    let step: Step | { error: string };
    if (!this.started) {
      // The first command starts under the scheduler lock, with the first write: a
      // reaper (which reaps a worker that never showed up only under that lock) either
      // sees this worker's pid, or this worker sees the final state and runs nothing.
      step = await this.firstWrite(() => {
        const s = this.spawnStep(argv, env, index);
        if ('error' in s) return s;
        this.recordStep(s, index, count);
        testPoint('spawned');
        return s;
      });
    } else {
      step = this.spawnStep(argv, env, index);
      if (!('error' in step)) {
        this.recordStep(step, index, count);
        testPoint('stage-spawned');
        this.writeNow();
      }
    }
    if ('error' in step) return { exitCode: null, signal: null, error: step.error };
    if (this.cancelling) void this.stopCurrent();

    const exit = await step.exited;
    // The main process ended the step: whatever it left in its group is stopped too.
    const gone = await stopGroup(step.pgid, step.startTime, this.config.cancelGraceMs);
    // A group that outlives even KILL keeps its record: it still holds the task's slot.
    if (gone) this.ledger.endStep(step.record);
    this.currentGroup = null;
    this.markers.drain();
    return { exitCode: exit.code, signal: exit.signal, error: null };
  }

  /**
   * Starts one step through the prelude (its own process group, the log as stdout and
   * stderr, no pipe through the worker). The step records itself in the ledger before
   * it runs anything, so a worker killed right after this call leaves a findable group.
   */
  private spawnStep(argv: string[], env: Record<string, string>, index: number): Step | { error: string } {
    let record: string;
    try {
      record = this.ledger.newStep(index);
    } catch (err) {
      return { error: `cannot start command: ${errnoReason(err)}` };
    }
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', STEP_PRELUDE, STEP_PRELUDE_NAME, record, this.ledger.goPath, ...argv], {
        cwd: this.task.cwd,
        env,
        detached: true,
        stdio: ['ignore', this.logFd, this.logFd],
      });
    } catch (err) {
      this.ledger.endStep(record);
      return { error: `cannot start command ${printable(argv[0]!)}: ${errnoReason(err)}` };
    }
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    if (!child.pid) {
      this.ledger.endStep(record);
      return { error: `cannot start command ${printable(argv[0]!)}` };
    }
    const step: Step = { pgid: child.pid, startTime: startTimeOf(child.pid), record, exited };
    this.currentGroup = { pgid: step.pgid, startTime: step.startTime };
    return step;
  }

  private recordStep(step: Step, index: number, count: number): void {
    this.task = {
      ...this.task,
      ...(index === 0 ? { pid: process.pid, pidStartTime: ownStartTime(), startedAt: new Date(this.startedMs).toISOString() } : {}),
      commandPid: step.pgid,
      commandStartTime: step.startTime,
    };
    if (this.task.stages) this.setProgress(overallPercent(index, count, null), false);
    else if (this.historyDurations.length) this.refreshEta();
  }

  /**
   * This worker's first write, under the scheduler lock: only if the task still waits
   * for a worker (a reaper may have recorded it as never started). `prepare` sets the
   * fields to write (and starts the first command); its result is returned.
   */
  private async firstWrite<T>(prepare: () => T | { error: string }): Promise<T | { error: string }> {
    const out = await underFirstWriteLock(this.store, this.task.id, () => {
      const r = prepare();
      if (typeof r === 'object' && r !== null && 'error' in r) return r;
      this.task = { ...this.task, pid: process.pid, pidStartTime: ownStartTime() };
      this.writeNow();
      this.started = true;
      return r;
    });
    // It has started: its launching environment is in this process now, not on disk.
    if (this.started) removeLaunchEnv(this.store.paths, this.task.id);
    return out;
  }

  /** The worker's own lines (stage headers, the end), appended like the command's output. */
  private log(text: string): void {
    try {
      writeSync(this.logFd, `==> [dev-tools] ${printable(text)}\n`);
    } catch {
      // A full disk loses a header line, never the task.
    }
  }

  private onMarker(m: Marker): void {
    if (m.kind === 'stage') {
      if (this.task.stages && this.task.stage) this.task.stage = { ...this.task.stage, phase: m.name };
      else this.task.stage = { index: 0, count: 1, name: m.name, phase: null };
      this.dirty = true;
      this.scheduleWrite();
      return;
    }
    if (m.message) this.message = m.message;
    const st = this.task.stage;
    const overall = this.task.stages && st ? overallPercent(st.index, st.count, m.percent) : m.percent;
    this.setProgress(overall, true);
  }

  private setProgress(percent: number, measured: boolean): void {
    const now = Date.now();
    if (measured) this.eta.update(now, percent);
    const etaSeconds = measured ? this.eta.etaSeconds(now, percent) : this.historyEta(now);
    this.task.progress = { percent, message: this.message, etaSeconds, updatedAt: new Date(now).toISOString() };
    this.dirty = true;
    this.scheduleWrite();
  }

  private historyEta(now: number): number | null {
    return etaFromHistory(this.historyDurations, now - this.startedMs);
  }

  private refreshEta(): void {
    const now = Date.now();
    this.task.progress = { percent: this.task.progress?.percent ?? null, message: this.message, etaSeconds: this.historyEta(now), updatedAt: new Date(now).toISOString() };
  }

  /** At most one write per interval, however fast markers arrive. */
  private scheduleWrite(): void {
    if (this.flushTimer) return;
    const wait = Math.max(0, this.lastWrite + WRITE_INTERVAL_MS - Date.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (this.dirty) this.writeNow();
    }, wait);
  }

  private writeNow(): void {
    this.dirty = false;
    this.lastWrite = Date.now();
    try {
      this.store.write(this.task);
    } catch (err) {
      // A full disk must not kill the task; the next write (or the final one) tries again.
      process.stderr.write(`dev-tools worker: ${(err as Error).message}\n`);
      this.dirty = true;
    }
  }

  private async finish(status: TaskStatus, result: StepResult): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    const now = Date.now();
    const errors = [result.error].filter(Boolean);
    const percent = status === 'completed' ? 100 : (this.task.progress?.percent ?? null);
    this.task = {
      ...this.task,
      status,
      exitCode: result.exitCode,
      signal: result.signal,
      error: errors.length ? errors.join('; ') : null,
      completedAt: new Date(now).toISOString(),
      progress: { percent, message: this.task.progress?.message ?? null, etaSeconds: null, updatedAt: new Date(now).toISOString() },
    };
    if (status === 'failed' && this.task.stages && this.task.stage) {
      this.log(`stage ${this.task.stage.index + 1}/${this.task.stage.count} ${this.task.stage.name} failed (${describeEnd(result)})`);
    }
    if (status === 'cancelled') this.log('cancelled');
    if (result.error) this.log(result.error);
    if (!this.started) {
      // Nothing ran (a bad cwd, a missing command, a cancel before the start): this is the first write.
      await this.firstWrite(() => undefined);
      return;
    }
    // Before the final state: whoever sees `completed` and launches again gets this run's ETA.
    if (status === 'completed') {
      try {
        recordDuration(this.store.paths, historyKey(this.task), now - this.startedMs);
      } catch {
        // history is a nicety
      }
    }
    // The final state must land: retry a failing write a few times (e.g. a briefly full disk).
    for (let attempt = 0; ; attempt++) {
      try {
        this.store.write(this.task, () => testPoint('final-write'));
        break;
      } catch (err) {
        if (attempt >= 20) {
          process.stderr.write(`dev-tools worker: cannot record the final state: ${(err as Error).message}\n`);
          break;
        }
        await sleep(250);
      }
    }
  }
}

/**
 * Runs `body` under the scheduler lock if the task still waits for a worker (running,
 * no pid); a reaper may have recorded it as never started, and that final state stands.
 */
async function underFirstWriteLock<T>(store: TaskStore, id: string, body: () => T): Promise<T> {
  const lock = schedulerLock(store);
  if (!(await lock.acquire(FIRST_WRITE_LOCK_MS))) throw new Error(`the scheduler lock stayed busy for ${FIRST_WRITE_LOCK_MS / 1000} s`);
  try {
    const entry = store.read(id);
    if (!waitsForWorker(entry)) throw new Abandoned(`task ${id} is no longer waiting for this worker`);
    return body();
  } finally {
    lock.release();
  }
}

/** Runs the worker; every way out leaves its ledger tidy (or to the sweepers, if a group outlived KILL). */
async function main(): Promise<void> {
  const [home, id] = process.argv.slice(2);
  if (!home || !id) {
    process.stderr.write('usage: worker.js <stateHome> <taskId>\n');
    process.exit(2);
  }
  let worker: Worker | null = null;
  let cancelEarly = false;
  const onTerm = () => {
    if (worker) worker.onCancel();
    else cancelEarly = true;
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGHUP', () => {}); // a closed terminal is not a cancel

  const store = new TaskStore(statePaths(home));
  ensureStateDirs(store.paths);
  // First of all, so that a reader can tell this worker is alive before its pid is in the task file.
  const ledger = new Ledger(store.paths, id);
  ledger.open({ pid: process.pid, startTime: ownStartTime() });
  let config: Config | null = null;
  try {
    const entry = store.read(id);
    if (!waitsForWorker(entry)) throw new Abandoned(`task ${id} is not waiting for a worker`);
    const setup = await prepare(store, id);
    if ('config' in setup) config = setup.config;
    if ('failure' in setup) {
      // Fails the task before any command ran (as its first write, under the lock).
      await underFirstWriteLock(store, id, () =>
        store.write({ ...entry, status: 'failed', pid: process.pid, pidStartTime: ownStartTime(), completedAt: new Date().toISOString(), error: setup.failure }),
      );
    } else {
      worker = new Worker(store, setup.config, ledger, entry, setup.logFd, setup.env);
      if (cancelEarly) worker.onCancel();
      try {
        await worker.run();
      } finally {
        closeSync(setup.logFd);
      }
    }
  } finally {
    removeLaunchEnv(store.paths, id);
    closeLedger(ledger);
  }
  // This worker freed a slot (or failed to take it): start what waits, by the config it ran with.
  config ??= await loadConfig(store.paths).catch(() => null);
  if (config) await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => undefined);
}

/** What the worker needs before a command can run; a failure is the reason the task fails. */
async function prepare(store: TaskStore, id: string): Promise<{ config: Config; logFd: number; env: Record<string, string> } | { failure: string }> {
  let config: Config;
  let logFd: number;
  try {
    config = await loadConfig(store.paths);
    logFd = openLogForAppend(store.logPath(id));
  } catch (err) {
    return { failure: describeError(err) };
  }
  const launch = readLaunchEnv(store.paths, id);
  if ('problem' in launch) {
    closeSync(logFd);
    return { failure: `the environment of the shell that launched it is ${launch.problem} (env/${id}.json)` };
  }
  return { config, logFd, env: launch.env };
}

/** The worker's groups are gone: no more steps, its records and the folder go. */
function closeLedger(ledger: Ledger): void {
  ledger.revoke();
  const state = ledger.read();
  if (!state) return;
  // A group that survived KILL keeps its record (the sweepers still see, count and stop it).
  if (liveGroups(state).length > 0) ledger.dropWorker();
  else ledger.remove();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof Abandoned || err instanceof TaskError) process.stderr.write(`dev-tools worker: ${err.message}\n`);
    else process.stderr.write(`dev-tools worker crashed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
