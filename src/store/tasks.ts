// TaskStore, the one door to task files: create, write, archive, read, list, the done
// index, ids. Over 250 lines: its methods are short and share its paths and invariants.
import { lstatSync, renameSync, statSync } from 'node:fs';
import { randomBytes } from './random.js';
import { dirname, join } from 'node:path';
import { errnoReason, TaskError } from '../core/errors.js';
import { checkIdInput, makeId, normalizeIdInput, resolveIdPrefix } from '../core/ids.js';
import { isBroken, isFinal, workerOf, type Task, type TaskEntry } from '../core/task.js';
import { createFileExclusive, safeUnlink, tempFiles, writeFileAtomic } from './atomic.js';
import { appendDoneIndex, doneRecord, parseRecord, readDoneIndex, rewriteDoneIndex, type DoneRecord } from './done-index.js';
import { ensureStateDirs, statePaths, type StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';
import { idsIn, MAX_TASK_FILE, parseEntry, readEntry, serialize, sortEntries } from './task-file.js';

/** Lines of the index for tasks no longer in done/ that are tolerated before it is rewritten. */
const STALE_INDEX_LINES = 100;

/** A task as found: in tasks/ (active) or in tasks/done/ (archived). */
interface LocatedEntry {
  entry: TaskEntry;
  archived: boolean;
}

/**
 * Task files: active ones in tasks/<id>.json, finished ones moved to tasks/done/<id>.json,
 * so listing what runs costs what is active, not the whole history.
 */
export class TaskStore {
  readonly paths: StatePaths;
  /**
   * Task files this store listed, by path, under what identifies their content (inode,
   * size, times: every write is a rename, so a new inode): a listing reads again only the
   * files that changed. A scheduler run and `status` list the same folder three times.
   */
  private readonly listed = new Map<string, { key: string; entry: Task }>();

  constructor(paths: StatePaths = statePaths()) {
    this.paths = paths;
  }

  ensure(): this {
    ensureStateDirs(this.paths);
    return this;
  }

  activePath(id: string): string {
    return join(this.paths.tasks, `${id}.json`);
  }

  donePath(id: string): string {
    return join(this.paths.done, `${id}.json`);
  }

  logPath(id: string): string {
    return join(this.paths.logs, `${id}.log`);
  }

  /**
   * Writes a new task under a fresh id; never overwrites an existing one. `prepare`
   * writes what must exist before the task file does (its launch environment) and
   * `discard` undoes it when the id turns out to be taken.
   */
  create(fields: Omit<Task, 'id' | 'logFile'>, hooks: { prepare?: (id: string) => void; discard?: (id: string) => void } = {}): Task {
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = makeId((n) => randomBytes(n));
      if (exists(this.donePath(id)) || exists(this.logPath(id))) continue;
      const task: Task = { id, ...fields, logFile: `logs/${id}.log` } as Task;
      try {
        hooks.prepare?.(id);
      } catch (err) {
        // The id is another launch's: nothing of ours was written.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        // Half of what `prepare` writes may be there (the environment, not the hook's mark): none of it stays.
        hooks.discard?.(id);
        throw storageError('cannot create task file', err);
      }
      try {
        createFileExclusive(this.activePath(id), serialize(task));
        return task;
      } catch (err) {
        hooks.discard?.(id);
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw storageError('cannot create task file', err);
      }
    }
    throw new TaskError('cannot find a free task id');
  }

  /** Removes a queued task that never was (a launch that could not go through); the caller holds the scheduler lock. */
  discardQueued(id: string): void {
    checkIdInput(id);
    safeUnlink(this.activePath(id));
  }

  /** Replaces the task's file atomically; a final task then moves to done/. */
  write(task: Task, beforeRename?: () => void): void {
    try {
      writeFileAtomic(this.activePath(task.id), serialize(task), beforeRename);
    } catch (err) {
      throw storageError(`cannot write task ${task.id}`, err);
    }
    if (isFinal(task.status)) this.archive(task);
  }

  /**
   * A worker killed between writing its final state and renaming it into place leaves
   * that state whole in a temp file. Brings back the newest such file when it is this
   * task's own: written by its worker (`pid` in the name and in the content), for this id,
   * final, and not older than the task file. Returns the recovered task, or null.
   */
  recoverFinalTemp(task: Task): Task | null {
    const { pid } = workerOf(task);
    if (!pid) return null;
    const active = this.activePath(task.id);
    let activeMtime = 0;
    try {
      activeMtime = statSync(active).mtimeMs;
    } catch {
      return null;
    }
    const own = tempFiles(this.paths.tasks)
      .filter((t) => t.target === active && t.pid === pid && t.mtimeMs >= activeMtime)
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const temp of own) {
      const file = readOwnFile(temp.path, MAX_TASK_FILE);
      const entry = file.ok ? parseEntry(file.text, task.id) : null;
      if (!entry || isBroken(entry) || workerOf(entry).pid !== pid || !isFinal(entry.status)) continue;
      try {
        renameSync(temp.path, active);
      } catch {
        continue;
      }
      this.archive(entry);
      return entry;
    }
    return null;
  }

  /** Moves a finished task's file to done/ and records it in the index; harmless if someone already did. */
  archive(task: Task): void {
    try {
      renameSync(this.activePath(task.id), this.donePath(task.id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storageError(`cannot archive task ${task.id}`, err);
      return;
    }
    appendDoneIndex(this.doneIndexPath, [task]);
  }

  /** tasks/done.jsonl: the finished tasks of done/, one line each (see done-index.ts). */
  get doneIndexPath(): string {
    return join(this.paths.tasks, 'done.jsonl');
  }

  /** The task, from the active folder or done/; null when neither has it. */
  read(id: string): TaskEntry | null {
    return this.locate(id)?.entry ?? null;
  }

  /** The task and where it was: the active folder first, then done/. */
  locate(id: string): LocatedEntry | null {
    checkIdInput(id);
    const active = readEntry(this.activePath(id), id);
    if (active) return { entry: active, archived: false };
    const archived = readEntry(this.donePath(id), id);
    return archived ? { entry: archived, archived: true } : null;
  }

  /**
   * A dependency of a queued task that is not active: done/ first, read again only if its
   * file changed since this store last read it (a queue plan asks for the same ones on
   * every run); then wherever it is.
   */
  readDependency(id: string): TaskEntry | null {
    checkIdInput(id);
    return this.readListed(this.donePath(id), id) ?? this.read(id);
  }

  /** The task in done/ only (a finished one), whatever tasks/ holds. */
  readArchived(id: string): TaskEntry | null {
    checkIdInput(id);
    return readEntry(this.donePath(id), id);
  }

  /** The task or a clear error: used by commands that act on one task. */
  get(id: string): Task {
    const entry = this.read(id);
    if (!entry) throw new TaskError(`no task matches id "${id}"`);
    if (isBroken(entry)) throw new TaskError(`task file of ${id} is unreadable: ${entry.error}`);
    return entry;
  }

  /** Ids of the active task files, without reading them. */
  activeIds(): string[] {
    return idsIn(this.paths.tasks);
  }

  /** Whether an active task file changed at or after `ms` (or cannot be checked). */
  modifiedSince(id: string, ms: number): boolean {
    try {
      return statSync(this.activePath(id)).mtimeMs >= ms;
    } catch {
      return true;
    }
  }

  listActive(): TaskEntry[] {
    return this.listDir(this.paths.tasks);
  }

  /**
   * What identifies done/'s current content: every change there (a task moved in, a
   * rewrite, clean) is a rename or an unlink, which sets the folder's mtime.
   */
  doneStamp(): string {
    try {
      const st = statSync(this.paths.done, { bigint: true });
      return `${st.ino}:${st.mtimeNs}`;
    } catch (err) {
      return errnoReason(err);
    }
  }

  /**
   * The tasks of done/: its listing is the truth, the index saves reading each file.
   * A task the index lacks (its archiver died before appending, say) is read and
   * appended; an index holding many tasks no longer there (clean) is rewritten.
   */
  listDone(): TaskEntry[] {
    const { records, broken } = this.listDoneRecords();
    const out: TaskEntry[] = broken;
    for (const r of records) {
      // A record that does not parse as its task (not final, say): the file says what it is.
      const entry = parseRecord(r) ?? readEntry(this.donePath(r.id), r.id);
      if (entry) out.push(entry);
    }
    return out;
  }

  /**
   * The finished tasks as records, unparsed (`status --all --json` copies them out as
   * they are), and the files of done/ that are not tasks.
   */
  listDoneRecords(): { records: DoneRecord[]; broken: TaskEntry[] } {
    const ids = idsIn(this.paths.done);
    const index = readDoneIndex(this.doneIndexPath);
    const records: DoneRecord[] = [];
    const broken: TaskEntry[] = [];
    const missing: Task[] = [];
    let used = 0;
    for (const id of ids) {
      const indexed = index.records.get(id);
      if (indexed) {
        records.push(indexed);
        used++;
        continue;
      }
      const entry = readEntry(this.donePath(id), id);
      if (!entry) continue;
      if (isBroken(entry)) {
        broken.push(entry);
        continue;
      }
      records.push(doneRecord(entry));
      if (isFinal(entry.status)) missing.push(entry);
    }
    if (index.lines - used > Math.max(STALE_INDEX_LINES, records.length / 4)) rewriteDoneIndex(this.doneIndexPath, records);
    else appendDoneIndex(this.doneIndexPath, missing);
    return { records, broken };
  }

  /** Makes the index hold exactly these finished tasks (clean calls it with what it kept). */
  rewriteDoneIndex(entries: TaskEntry[]): void {
    rewriteDoneIndex(this.doneIndexPath, entries.filter((e): e is Task => !isBroken(e) && isFinal(e.status)).map(doneRecord));
  }

  /** Active tasks, plus finished ones with `all`; sorted by creation time, broken entries last. */
  list(all = false): TaskEntry[] {
    const entries = this.listActive();
    if (all) {
      const seen = new Set(entries.map((e) => e.id));
      for (const e of this.listDone()) if (!seen.has(e.id)) entries.push(e);
    }
    return sortEntries(entries);
  }

  /** Finds the id for a unique prefix; hostile input is rejected before any file is touched. */
  resolveId(rawInput: string): string {
    const input = normalizeIdInput(rawInput);
    checkIdInput(input);
    if (input.length === 8 && (exists(this.activePath(input)) || exists(this.donePath(input)))) return input;
    return resolveIdPrefix(input, [...idsIn(this.paths.tasks), ...idsIn(this.paths.done)]);
  }

  /** Deletes a finished task's file and log. */
  remove(id: string): void {
    checkIdInput(id);
    safeUnlink(this.donePath(id));
    safeUnlink(this.logPath(id));
    safeUnlink(join(this.paths.logs, `${id}.onfinish.log`));
  }

  private listDir(dir: string): TaskEntry[] {
    const out: TaskEntry[] = [];
    const paths = new Set<string>();
    for (const id of idsIn(dir)) {
      const path = join(dir, `${id}.json`);
      paths.add(path);
      const entry = this.readListed(path, id);
      if (entry) out.push(entry);
    }
    // What is no longer there is forgotten (a dashboard lists for hours).
    for (const path of this.listed.keys()) if (dirname(path) === dir && !paths.has(path)) this.listed.delete(path);
    return out;
  }

  /** A task file as readEntry reads it, from the last listing when the file is the same one unchanged. */
  private readListed(path: string, id: string): TaskEntry | null {
    let key: string | null = null;
    try {
      const st = lstatSync(path, { bigint: true });
      if (st.isFile()) key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.uid}:${st.nlink}`;
    } catch {
      // gone, or unreadable: readEntry says which
    }
    const hit = this.listed.get(path);
    if (key && hit?.key === key) return hit.entry;
    const entry = readEntry(path, id);
    if (key && entry && !isBroken(entry)) this.listed.set(path, { key, entry });
    else this.listed.delete(path);
    return entry;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function storageError(what: string, err: unknown): TaskError {
  return new TaskError(`${what}: ${errnoReason(err)}`);
}
