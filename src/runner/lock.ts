import { lstatSync } from 'node:fs';
import { hostname } from 'node:os';
import { errnoReason, TaskError } from '../core/errors.js';
import { createFileExclusive, safeUnlink } from '../store/atomic.js';
import { readOwnFile } from '../store/read-own.js';
import { isAlive, isStopped, ownStartTime } from './proc.js';
import { sleep } from './sleep.js';

/** Nobody can take this lock until someone removes what is at its path (not a passing fault, as a full disk is). */
export class UnusableLock extends TaskError {}

interface Owner {
  pid: number;
  startTime: number | null;
  token: string;
  /** The machine of the owner: a worker running as a Slurm job takes the lock from a node. */
  host?: string;
}

const BREAK_LOCK_STALE_MS = 5000;
/**
 * A lock of a process on another machine cannot be checked by its pid: it counts as
 * held until it is this old (the lock is held for milliseconds at a time).
 */
const REMOTE_LOCK_STALE_MS = 30_000;

let ownHost: string | null = null;
function thisHost(): string {
  return (ownHost ??= hostname());
}

/**
 * A lock held by a stopped owner (SIGSTOP, Ctrl+Z, a debugger) for longer than this is
 * stale: a stopped process makes no progress, and everyone else would wait on it. The
 * lock is held for milliseconds at a time, so a live owner is never near this; one woken
 * after losing its lock sees so before it writes (see stillHeld).
 */
const STOPPED_STALE_MS = 2000;

/**
 * Is the owner alive, and getting on with it? A pid of this machine is checked (a stopped
 * one counts as gone once the lock is STOPPED_STALE_MS old); one of another machine is
 * trusted while the lock is fresh.
 */
function ownerAlive(owner: Owner, path: string): boolean {
  if (owner.host && owner.host !== thisHost()) return !olderThan(path, REMOTE_LOCK_STALE_MS);
  if (!isAlive(owner.pid, owner.startTime)) return false;
  return !(isStopped(owner.pid) && olderThan(path, STOPPED_STALE_MS));
}

/**
 * An exclusive-create lock file holding its owner's pid and start time. It is
 * stale when the owner is dead; a stale lock is broken under a second lock so two
 * breakers cannot remove each other's fresh locks. Released only by its owner.
 * Something else at its path (a symbolic link, say) is not a lock: it is removed,
 * never followed; a folder there is refused with a clear error.
 */
export class FileLock {
  private token: string | null = null;

  constructor(readonly path: string) {}

  /** Tries for up to `waitMs`; false when someone else holds the lock. */
  async acquire(waitMs: number): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.tryOnce()) return true;
      if (Date.now() >= deadline) return false;
      await sleep(5 + Math.random() * 20);
    }
  }

  tryOnce(): boolean {
    if (this.create()) return true;
    this.breakIfStale();
    return false;
  }

  /** Removes the lock if its owner is dead (a killed holder); a live owner's lock stays. */
  clearIfStale(): void {
    if (pathKind(this.path) !== 'none') this.breakIfStale();
  }

  /** Is the lock held by a live process (this one included)? */
  heldByLiveOwner(): boolean {
    const owner = readOwner(this.path);
    return !!owner && ownerAlive(owner, this.path);
  }

  private create(): boolean {
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    const owner: Owner = { pid: process.pid, startTime: ownStartTime(), token, host: thisHost() };
    try {
      // No fsync: after a crash its owner is dead, and a dead owner's lock is stale.
      createFileExclusive(this.path, JSON.stringify(owner), { durable: false });
      this.token = token;
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A full or read-only disk: said in words (the code kept for callers that look at it).
      if (code !== 'EEXIST') throw Object.assign(new TaskError(`cannot take the lock ${this.path}: ${errnoReason(err)}`), { code });
    }
    return false;
  }

  /** Do we still hold it? False once it was broken while this process was stopped. */
  stillHeld(): boolean {
    return !!this.token && readOwner(this.path)?.token === this.token;
  }

  release(): void {
    if (!this.token) return;
    const current = readOwner(this.path);
    if (current?.token === this.token) safeUnlink(this.path);
    this.token = null;
  }

  private breakIfStale(): void {
    const kind = pathKind(this.path);
    if (kind === 'folder') throw new UnusableLock(`${this.path} is a folder, not a lock file: remove it`);
    const owner = kind === 'file' ? readOwner(this.path) : null;
    if (owner && ownerAlive(owner, this.path)) return;
    // An unreadable lock file may be one being written right now; a link or device never is.
    if (!owner && kind === 'file' && !olderThan(this.path, 1000)) return;
    const breaker = new FileLock(`${this.path}.break`);
    if (!breaker.create()) {
      if (olderThan(breaker.path, BREAK_LOCK_STALE_MS)) safeUnlink(breaker.path);
      return;
    }
    try {
      const again = pathKind(this.path) === 'file' ? readOwner(this.path) : null;
      if (again?.token === owner?.token && !(again && ownerAlive(again, this.path))) safeUnlink(this.path);
    } finally {
      breaker.releaseWithoutCheck();
    }
  }

  private releaseWithoutCheck(): void {
    safeUnlink(this.path);
    this.token = null;
  }
}

function pathKind(path: string): 'file' | 'folder' | 'other' | 'none' {
  try {
    const st = lstatSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : 'other';
  } catch {
    return 'none';
  }
}

function readOwner(path: string): Owner | null {
  const file = readOwnFile(path, 4096);
  if (!file.ok) return null;
  try {
    const v = JSON.parse(file.text) as Owner;
    return typeof v.pid === 'number' && typeof v.token === 'string' ? v : null;
  } catch {
    return null;
  }
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - lstatSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}
