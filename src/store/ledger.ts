import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { isIdPrefix } from '../core/ids.js';
import { safeUnlink, TEMP_SUFFIX, writeFileAtomic } from './atomic.js';
import { namesIn, ownedByUs, type StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';
import { removeTerminalSocket } from './terminal-socket.js';

/**
 * A task's ledger, run/<id>/: the command groups the task may have alive, kept
 * outside the task file so that a crash of any process at any instant leaves
 * them findable.
 *
 *   worker     the worker's pid and start time, written before anything else
 *   go         present while commands may start; whoever finds the worker dead removes it
 *   step-<n>   one per spawned step, written by the step's own shell before it checks
 *              `go`: "<pgid> <start time>" (the shell leads its group and execs the command);
 *              step-git-<n> for git and the hooks it starts (a worktree's checkout, its diff)
 *   cgroup     the path of the task's cgroup, written before the cgroup is made and
 *              removed after it is: a crash at any point leaves it findable
 *   stop.lock  held by whoever stops the groups of a ledger whose worker is gone
 *   cancel     made by `cancel` before it asks Slurm to stop a task's job, so the
 *              worker can tell that SIGTERM from a cancel from one from the cluster
 *
 * The worker of a Slurm task runs on a node of the cluster, with pids of that node:
 * its record names its job, and only Slurm stops its processes (when the job ends).
 * The worker removes the ledger once its groups are gone; a ledger whose worker is
 * dead is a "stop pending": every scheduler run finds it, counts its live groups
 * against the limit and has them stopped, until they are gone.
 */
export interface LedgerWorker {
  pid: number;
  startTime: number | null;
  /** The Slurm job the worker runs as (its pid is a pid of the job's node). */
  job?: string;
}

/** A step file: `line` is null until the step's shell has recorded itself. */
export interface LedgerStep {
  file: string;
  pgid: number | null;
  /** The start time as the step recorded it (see proc.ts startTimeFromToken). */
  token: string | null;
}

export interface LedgerState {
  worker: LedgerWorker | null;
  go: boolean;
  steps: LedgerStep[];
  /** The task's cgroup (it may be gone already, or not made yet). */
  cgroup: string | null;
  /** How long ago the folder was made or last changed (a worker may be creating it right now). */
  ageMs: number;
}

const STEP_RECORD = /^(\d+) (.*)\n$/;

export class Ledger {
  readonly dir: string;
  readonly goPath: string;
  readonly workerPath: string;
  readonly stopLockPath: string;
  readonly cancelPath: string;
  readonly cgroupPath: string;

  constructor(
    private readonly paths: StatePaths,
    readonly id: string,
  ) {
    this.dir = join(paths.run, id);
    this.goPath = join(this.dir, 'go');
    this.workerPath = join(this.dir, 'worker');
    this.stopLockPath = join(this.dir, 'stop.lock');
    this.cancelPath = join(this.dir, 'cancel');
    this.cgroupPath = join(this.dir, 'cgroup');
  }

  /** The worker's first act: the folder, then its own pid and start time. */
  open(worker: LedgerWorker): void {
    this.makeFolder();
    writeFileAtomic(this.workerPath, JSON.stringify(worker));
  }

  private makeFolder(): void {
    try {
      mkdirSync(this.dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = lstatSync(this.dir);
      if (!st.isDirectory() || !ownedByUs(st)) throw new Error(`${this.dir} is not a folder of ours`, { cause: err });
    }
  }

  /** From now on steps may run. */
  allowCommands(): void {
    createEmpty(this.goPath, true);
  }

  /** No step that has not yet checked `go` will run (see STEP_PRELUDE). */
  revoke(): void {
    safeUnlink(this.goPath);
  }

  /** An empty record for step `key` (its index, or `git-<n>`), made before the step is spawned (0600, never through a link). */
  newStep(key: number | string): string {
    const file = join(this.dir, `step-${key}`);
    safeUnlink(file);
    createEmpty(file, false);
    return file;
  }

  /** The task's cgroup, recorded before it is made. */
  recordCgroup(path: string): void {
    writeFileAtomic(this.cgroupPath, path);
  }

  /** Its cgroup is removed. */
  forgetCgroup(): void {
    safeUnlink(this.cgroupPath);
  }

  endStep(file: string): void {
    safeUnlink(file);
  }

  read(): LedgerState | null {
    let names: string[];
    let ageMs: number;
    try {
      const st = lstatSync(this.dir);
      if (!st.isDirectory() || !ownedByUs(st)) return null;
      ageMs = Date.now() - Math.max(st.mtimeMs, st.ctimeMs);
      names = readdirSync(this.dir);
    } catch {
      return null;
    }
    let worker: LedgerWorker | null = null;
    let cgroup: string | null = null;
    const steps: LedgerStep[] = [];
    for (const name of names) {
      if (name === 'worker') worker = readWorker(this.workerPath);
      else if (name === 'cgroup') {
        const r = readOwnFile(this.cgroupPath, 4096);
        cgroup = r.ok && r.text.startsWith('/') ? r.text : null;
      } else if (name.startsWith('step-') && !name.endsWith(TEMP_SUFFIX)) {
        const file = join(this.dir, name);
        const r = readOwnFile(file, 4096);
        const m = r.ok ? STEP_RECORD.exec(r.text) : null;
        steps.push(m ? { file, pgid: Number(m[1]), token: m[2]! } : { file, pgid: null, token: null });
      }
    }
    return { worker, go: names.includes('go'), steps, cgroup, ageMs };
  }

  /** `cancel` is stopping this task (made before it signals the worker's job). */
  requestCancel(): void {
    createEmpty(this.cancelPath, true);
  }

  /**
   * The cancel mark for a task whose worker has not started (a pending Slurm job): the
   * folder is made for it, so a worker that starts meanwhile takes the coming SIGTERM
   * for this cancel. False when a mark was already there (an earlier cancel's).
   */
  markCancel(): boolean {
    this.makeFolder();
    if (this.cancelRequested()) return false;
    this.requestCancel();
    return true;
  }

  /** The cancel did not reach Slurm: a stop that comes later is not this cancel. */
  withdrawCancel(): void {
    safeUnlink(this.cancelPath);
  }

  cancelRequested(): boolean {
    try {
      return lstatSync(this.cancelPath).isFile();
    } catch {
      return false;
    }
  }

  /** The worker is leaving groups behind: without its record the ledger is an orphan for the sweepers. */
  dropWorker(): void {
    safeUnlink(this.workerPath);
  }

  /** Removes what is left (the caller knows the groups are gone); a file that appears meanwhile keeps the folder. */
  remove(): void {
    // A terminal's socket too (in this folder, or in the short one of a deep state dir).
    removeTerminalSocket(this.paths, this.id);
    for (const name of namesIn(this.dir)) if (name !== 'stop.lock') safeUnlink(join(this.dir, name));
    this.removeFolder();
  }

  removeFolder(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // not empty (a stopper's lock, a late step record) or already gone: the next sweep finishes it
    }
  }
}

/** Ids that have a ledger. */
export function ledgerIds(paths: StatePaths): string[] {
  return namesIn(paths.run).filter(isIdPrefix);
}

function readWorker(path: string): LedgerWorker | null {
  const r = readOwnFile(path, 4096);
  if (!r.ok) return null;
  try {
    const v = JSON.parse(r.text) as { pid?: unknown; startTime?: unknown; job?: unknown };
    if (typeof v.pid !== 'number') return null;
    return {
      pid: v.pid,
      startTime: typeof v.startTime === 'number' ? v.startTime : null,
      ...(typeof v.job === 'string' ? { job: v.job } : {}),
    };
  } catch {
    return null;
  }
}

function createEmpty(path: string, existsOk: boolean): void {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
  } catch (err) {
    if (!(existsOk && (err as NodeJS.ErrnoException).code === 'EEXIST')) throw err;
  }
}
