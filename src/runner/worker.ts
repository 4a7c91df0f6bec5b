// The detached worker: `node worker.js <stateHome> <taskId>`. It runs the task's
// command or stages, appends output to the log, reads progress markers, and is the
// only writer of its task file while the task runs.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { execa } from 'execa';
import { EtaEstimator, etaFromHistory } from '../core/eta.js';
import { describeEnd } from '../core/format.js';
import { MarkerScanner, overallPercent, type Marker } from '../core/progress.js';
import { historyKey, isBroken, type Task, type TaskStatus } from '../core/task.js';
import { printable } from '../core/text.js';
import { loadConfig, type Config } from '../store/config.js';
import { recentDurations, recordDuration } from '../store/history.js';
import { statePaths } from '../store/paths.js';
import { TaskStore } from '../store/tasks.js';
import { openLogForAppend } from './executor.js';
import { groupAlive, ownStartTime, startTimeOf } from './proc.js';
import { schedule } from './scheduler.js';
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
  private currentGroup: { pgid: number; startTime: number | null } | null = null;
  private readonly markers: LogMarkerReader;

  constructor(
    private readonly store: TaskStore,
    private readonly config: Config,
    task: Task,
    private readonly logFd: number,
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
      : (this.task.stages ?? []).map((s) => ({ name: s.name, argv: ['sh', '-c', s.run] }));
    const count = steps.length;
    const poll = setInterval(() => this.markers.poll(), MARKER_POLL_MS);
    let final: { status: TaskStatus; result: StepResult } = { status: 'completed', result: { exitCode: 0, signal: null, error: null } };
    for (let index = 0; index < count; index++) {
      if (this.cancelling) {
        if (index === 0 && !this.stillWaitingForUs()) throw new Abandoned(`task ${this.task.id} is no longer waiting for this worker`);
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
    const env: Record<string, string> = {
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
    // execa's types take fd literals only; any open fd works at run time.
    const logFd = this.logFd as 3;
    const sub = execa(argv[0]!, argv.slice(1), {
      cwd: this.task.cwd,
      env,
      extendEnv: true,
      detached: true,
      cleanup: false,
      stdin: 'ignore',
      // The log fd itself, not a pipe: output goes to the file at the speed of a shell
      // redirect, and the worker holds none of it in memory.
      stdout: logFd,
      stderr: logFd,
      reject: false,
      forceKillAfterDelay: false,
    });
    const done = sub.then(
      (r) => r,
      (e: unknown) => e as { exitCode?: number; signal?: string; message?: string },
    );
    if (!sub.pid) {
      const r = (await done) as { message?: string };
      return { exitCode: null, signal: null, error: `cannot start command: ${r.message ?? 'unknown error'}` };
    }
    const pgid = sub.pid;
    this.currentGroup = { pgid, startTime: startTimeOf(pgid) };
    const first = index === 0;
    this.task = {
      ...this.task,
      ...(first ? { pid: process.pid, pidStartTime: ownStartTime(), startedAt: new Date(this.startedMs).toISOString() } : {}),
      commandPid: pgid,
      commandStartTime: this.currentGroup.startTime,
    };
    if (this.task.stages) this.setProgress(overallPercent(index, count, null), false);
    else if (this.historyDurations.length) this.refreshEta();
    if (first && !this.stillWaitingForUs()) {
      // Reaped as "never started" while this worker was slow to start: that final state stands.
      await stopGroup(pgid, this.currentGroup.startTime, 0);
      throw new Abandoned(`task ${this.task.id} was marked final before its worker started; not running it`);
    }
    // The first write holds the worker's pid and the command's together.
    this.writeNow();
    if (this.cancelling) void this.stopCurrent();

    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolveExit) => {
      sub.once('exit', (code, signal) => resolveExit({ code, signal }));
    });
    // The main process ended the task: whatever it left in its group is stopped too.
    if (groupAlive(pgid)) await stopGroup(pgid, this.currentGroup.startTime, this.config.cancelGraceMs);
    await done;
    this.currentGroup = null;
    this.markers.drain();
    return { exitCode: exit.code, signal: exit.signal, error: null };
  }

  private stillWaitingForUs(): boolean {
    const entry = this.store.read(this.task.id);
    return !!entry && !isBroken(entry) && entry.status === 'running' && !entry.pid;
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
      pid: this.task.pid ?? process.pid,
      pidStartTime: this.task.pidStartTime ?? ownStartTime(),
    };
    if (status === 'failed' && this.task.stages && this.task.stage) {
      this.log(`stage ${this.task.stage.index + 1}/${this.task.stage.count} ${this.task.stage.name} failed (${describeEnd(result)})`);
    }
    if (status === 'cancelled') this.log('cancelled');
    if (result.error) this.log(result.error);
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
        this.store.write(this.task);
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
  const entry = store.read(id);
  if (!entry || isBroken(entry) || entry.status !== 'running' || entry.pid) {
    process.stderr.write(`dev-tools worker: task ${id} is not waiting for a worker\n`);
    process.exit(1);
  }
  // Fails the task before any command ran, unless a reaper already recorded a final state.
  const failEarly = (reason: string) => {
    const now = store.read(id);
    if (!now || isBroken(now) || now.status !== 'running' || now.pid) throw new Abandoned(`task ${id} is no longer waiting for this worker`);
    store.write({ ...now, status: 'failed', pid: process.pid, pidStartTime: ownStartTime(), completedAt: new Date().toISOString(), error: reason });
  };
  let config: Config;
  let logFd: number;
  try {
    config = await loadConfig(store.paths);
    logFd = openLogForAppend(store.logPath(id));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    failEarly(e.code && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message);
    return;
  }
  worker = new Worker(store, config, entry, logFd);
  if (cancelEarly) worker.onCancel();
  try {
    await worker.run();
  } finally {
    closeSync(logFd);
  }
  // This worker freed a slot: start what waits.
  await schedule(store, config, { lockWaitMs: 10_000 }).catch(() => undefined);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof Abandoned) process.stderr.write(`dev-tools worker: ${err.message}\n`);
    else process.stderr.write(`dev-tools worker crashed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);

