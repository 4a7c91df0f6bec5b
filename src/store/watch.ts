// Watching the state directory, for the dashboard: the task files (tasks/, tasks/done/),
// config.json, squeue.json and the open log all go through one StateWatch. It uses one
// fs.watch per folder (never one per file, so ten tasks or ten thousand cost the same),
// or polls (a readdir and a stat of what is active, an interval that backs off while
// nothing changes) where events cannot be trusted: on NFS, Lustre, GPFS or FUSE, a
// write made by another machine (a Slurm job's worker on its node) raises no inotify
// event here. A watcher that fails says why (the dashboard shows it) and polls instead.
// Over 250 lines: one watcher with its two ways (events, polling) and the fall-back between them, for every file the dashboard follows.
import { statSync, watch as watchFolder, type FSWatcher } from 'node:fs';
import { sharedFilesystem } from './filesystem.js';
import { basename, dirname, join } from 'node:path';
import { errnoReason } from '../core/errors.js';
import type { StatePaths } from './paths.js';
import { idFromFileName, idsIn } from './task-file.js';

export interface TaskEvents {
  /** A file of tasks/ was added, changed or removed (or may have been). */
  active(id: string): void;
  /** A file of tasks/done/ was added, changed or removed. */
  archived(id: string): void;
  /** Something in tasks/done/ changed, which files is not known (polling): check the ones that matter. */
  doneChanged?(): void;
  /** The watch is in place: what changed between the first listing and now is not reported. */
  ready(): void;
}

/**
 * Why the state dir must be polled rather than watched, or null: `DEV_TOOLS_WATCH=poll`,
 * a network or FUSE filesystem, or an executor that runs tasks on other machines.
 * `DEV_TOOLS_WATCH=events` trusts events whatever the filesystem.
 */
export function pollReason(
  paths: StatePaths,
  config: { executors?: Record<string, unknown> } | null,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const wanted = env.DEV_TOOLS_WATCH;
  if (wanted === 'poll') return 'DEV_TOOLS_WATCH=poll';
  if (wanted === 'events') return null;
  const fs = sharedFilesystem(paths.home);
  if (fs) return `the state dir is on ${fs}: writes from other machines raise no event here`;
  const remote = Object.keys(config?.executors ?? {});
  if (remote.length) return `executor "${remote[0]}" runs tasks on other machines`;
  return null;
}

export interface StateWatchOptions {
  /** Why to poll instead of using events (pollReason); null or absent: events. */
  poll?: string | null;
  /** The polling interval right after a change, and the most it backs off to while nothing changes. */
  minPollMs?: number;
  maxPollMs?: number;
}

/** A check of the poller: true when it saw a change. */
type Check = () => boolean;

const MIN_POLL_MS = 250;
const MAX_POLL_MS = 1500;

/** What identifies a file's content now (a write renames a new inode into place), or `missing`; `quiet`: any error reads as missing. */
function stamp(path: string, quiet = false): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (quiet || code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw err;
  }
}

/**
 * The dashboard's one watcher of the state dir. Each subscription returns the function
 * that ends it; problems (a watch that failed, a folder that cannot be read) go to
 * `onProblem`, and clear once they are over.
 */
export class StateWatch {
  readonly polling: string | null;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly checks = new Set<Check>();
  private timer: NodeJS.Timeout | null = null;
  private interval: number;
  private readonly problems = new Map<string, string>();
  private readonly listeners = new Set<(problem: string | null) => void>();

  constructor(
    readonly paths: StatePaths,
    opts: StateWatchOptions = {},
  ) {
    this.polling = opts.poll ?? null;
    this.minMs = opts.minPollMs ?? MIN_POLL_MS;
    this.maxMs = opts.maxPollMs ?? MAX_POLL_MS;
    this.interval = this.minMs;
  }

  /** How long until the poller looks again (it backs off while nothing changes). */
  get pollMs(): number {
    return this.interval;
  }

  /** The first problem now, or null. */
  get problem(): string | null {
    return this.problems.values().next().value ?? null;
  }

  onProblem(listener: (problem: string | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private report(key: string, message: string | null): void {
    const before = this.problem;
    if (message === null) this.problems.delete(key);
    else this.problems.set(key, message);
    const now = this.problem;
    if (now !== before) for (const l of this.listeners) l(now);
  }

  /** Runs `check` on every tick of the poller until the returned function is called. */
  private poll(check: Check): () => void {
    this.checks.add(check);
    // Something new to look at: look soon.
    this.interval = this.minMs;
    if (this.timer) clearTimeout(this.timer);
    this.schedule();
    return () => {
      this.checks.delete(check);
      if (this.checks.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), this.interval);
    this.timer.unref?.();
  }

  private tick(): void {
    let changed = false;
    for (const check of [...this.checks]) if (check()) changed = true;
    // A change may come with more: look again soon. Nothing: look less often, up to the most.
    this.interval = changed ? this.minMs : Math.min(this.maxMs, Math.round(this.interval * 1.5));
    if (this.checks.size) this.schedule();
  }

  /** fs.watch on a folder, or polling when that fails (the failure is reported). */
  private watchOrPoll(key: string, folder: string, onName: (name: string | null) => void, check: () => Check): () => void {
    let stopPoll: (() => void) | null = null;
    const fallBack = (err: unknown) => {
      if (stopPoll) return;
      this.report(key, watchProblem(folder, err));
      stopPoll = this.poll(check());
    };
    let watcher: FSWatcher | null = null;
    const stop = (err: unknown) => {
      watcher?.close();
      watcher = null;
      fallBack(err);
    };
    if (this.polling) stopPoll = this.poll(check());
    else {
      try {
        const own = stamp(folder).split(':')[0];
        const self = basename(folder);
        watcher = watchFolder(folder, (_event, name) => {
          // The folder itself removed or replaced: inotify then says nothing more, and no error comes.
          if (name === self && stamp(folder, true).split(':')[0] !== own) {
            return stop(new Error('the folder was removed or replaced'));
          }
          onName(name === null ? null : String(name));
        });
        watcher.on('error', stop);
      } catch (err) {
        fallBack(err);
      }
    }
    return () => {
      watcher?.close();
      stopPoll?.();
      this.report(key, null);
    };
  }

  /**
   * Watches the task files. An event names a file to re-read, never a count (an atomic
   * write is a rename into place; a task that finishes is a rename out, to done/).
   */
  tasks(on: TaskEvents): () => void {
    const { tasks, done } = this.paths;
    const stopActive = this.watchOrPoll(
      'tasks',
      tasks,
      (name) => {
        // No name (some platforms, an overflowed queue): every task may have changed.
        if (name === null) for (const id of idsIn(tasks)) on.active(id);
        else {
          const id = idFromFileName(name);
          if (id) on.active(id);
        }
      },
      () => this.activeCheck(on),
    );
    const stopDone = this.watchOrPoll(
      'done',
      done,
      (name) => {
        const id = idFromFileName(name ?? '');
        if (id) on.archived(id);
        else if (name === null) on.doneChanged?.();
      },
      () => this.doneCheck(on),
    );
    // In place once made: the caller checks what changed before it now.
    const ready = setImmediate(() => on.ready());
    return () => {
      clearImmediate(ready);
      stopActive();
      stopDone();
    };
  }

  /** tasks/: a readdir and a stat of each file (what identifies its content: a write renames a new inode into place). */
  private activeCheck(on: TaskEvents): Check {
    const dir = this.paths.tasks;
    const look = (): Map<string, string> | null => {
      try {
        const now = new Map<string, string>();
        for (const id of idsIn(dir)) {
          const s = stamp(join(dir, `${id}.json`));
          if (s !== 'missing') now.set(id, s);
        }
        // idsIn says nothing of a folder it cannot list: a stat of it does.
        if (stamp(dir) === 'missing') throw Object.assign(new Error('no such folder'), { code: 'ENOENT' });
        this.report('tasks-read', null);
        return now;
      } catch (err) {
        this.report('tasks-read', `cannot read ${dir} (${errnoReason(err)}); the tasks shown may be out of date`);
        return null;
      }
    };
    // Taken now, as the subscription is made: a change from here on is seen. A folder that
    // could not be read then has no listing to compare with: what it holds once read is reported.
    let seen = look();
    return () => {
      const now = look();
      if (!now) return false;
      const before = seen;
      seen = now;
      const ids = [...now].filter(([id, s]) => before?.get(id) !== s).map(([id]) => id);
      for (const id of before?.keys() ?? []) if (!now.has(id)) ids.push(id);
      for (const id of ids) on.active(id);
      return ids.length > 0;
    };
  }

  /** tasks/done/: its own stat (a file moved in or out changes it); the files themselves only when asked. */
  private doneCheck(on: TaskEvents): Check {
    return this.stampCheck('done-read', this.paths.done, () => on.doneChanged?.());
  }

  /** Calls `changed` when a file of the state dir (config.json, squeue.json) may have changed. */
  file(path: string, changed: () => void): () => void {
    const name = basename(path);
    return this.watchOrPoll(
      `file:${path}`,
      dirname(path),
      (file) => {
        if (file === name || file === null) changed();
      },
      () => this.stampCheck(`file-read:${path}`, path, changed),
    );
  }

  /** Calls `changed` when a task's log may have grown; works before the log exists. */
  log(path: string, changed: () => void): () => void {
    return this.file(path, changed);
  }

  /** Calls `changed` when the stat of `path` changes (a baseline is taken now; none if it cannot be read: the first read is a change). */
  private stampCheck(key: string, path: string, changed: () => void): Check {
    const look = (): string | null => {
      try {
        const s = stamp(path);
        this.report(key, null);
        return s;
      } catch (err) {
        this.report(key, `cannot read ${path} (${errnoReason(err)})`);
        return null;
      }
    };
    let seen = look();
    return () => {
      const now = look();
      if (now === null) return false;
      const before = seen;
      seen = now;
      if (before === now) return false;
      changed();
      return true;
    };
  }
}

function watchProblem(folder: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EMFILE'
    ? `cannot watch ${folder} (inotify limits: raise fs.inotify.max_user_watches/max_user_instances with sysctl); looking now and then instead`
    : `watching ${folder} failed (${errnoReason(err)}); looking now and then instead`;
}
