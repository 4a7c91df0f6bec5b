// The index of finished tasks, tasks/done.jsonl: one line per task of tasks/done/,
// appended as each task is archived, so `status --all` reads one file instead of
// thousands. The folder stays the truth: the index only saves reading the files.
// Its lines are written by this module only (owner-checked, never through a link, one
// write each), so a line that splits well is taken as written.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { isIdPrefix } from '../core/ids.js';
import { isFinal, taskFromJson, taskShapeError, taskToJson, type Task } from '../core/task.js';
import { writeFileAtomic } from './atomic.js';
import { ownedByUs } from './paths.js';
import { readOwnFile } from './read-own.js';

/** Larger than this (some 500,000 tasks) it is not read: the files are, as without an index. */
const MAX_INDEX = 256 * 1024 * 1024;

/** A finished task as the index holds it: its sort key and project beside its compact JSON, unparsed. */
export interface DoneRecord {
  id: string;
  createdAt: string;
  project: string;
  /** The task, as `JSON.stringify` wrote it. */
  json: string;
}

interface IndexRead {
  /** The finished tasks recorded, by id (a later line for the same id wins). */
  records: Map<string, DoneRecord>;
  /** Lines in the file, good or not: more than `records` holds means it is worth rewriting. */
  lines: number;
}

/**
 * One line of the index: `id TAB createdAt TAB project TAB compact JSON`, newline-terminated.
 * What sorts and filters a listing stands before the JSON, so a reader that only copies
 * tasks out (`status --all --json`) parses none of them.
 */
export function doneRecord(task: Task): DoneRecord {
  return { id: task.id, createdAt: task.createdAt, project: task.project, json: JSON.stringify(taskToJson(task, true)) };
}

function line(r: DoneRecord): string {
  return `${r.id}\t${r.createdAt}\t${r.project}\t${r.json}\n`;
}

/** Reads the index; a missing, foreign or unreadable one reads as empty (the files are read instead). */
export function readDoneIndex(path: string): IndexRead {
  const records = new Map<string, DoneRecord>();
  const file = readOwnFile(path, MAX_INDEX);
  if (!file.ok) return { records, lines: 0 };
  const text = file.text;
  let lines = 0;
  for (let from = 0; from < text.length;) {
    const nl = text.indexOf('\n', from);
    // A line without its newline was cut short by a crash: not a record.
    if (nl === -1) {
      lines++;
      break;
    }
    lines++;
    const record = splitLine(text, from, nl);
    if (record) records.set(record.id, record);
    from = nl + 1;
  }
  return { records, lines };
}

/** A line's fields; null for anything this file's writer would not have written. */
function splitLine(text: string, from: number, end: number): DoneRecord | null {
  const a = text.indexOf('\t', from);
  const b = a === -1 || a > end ? -1 : text.indexOf('\t', a + 1);
  const c = b === -1 || b > end ? -1 : text.indexOf('\t', b + 1);
  if (c === -1 || c > end || text[c + 1] !== '{' || text[end - 1] !== '}') return null;
  const id = text.slice(from, a);
  if (id.length !== 8 || !isIdPrefix(id)) return null;
  return { id, createdAt: text.slice(a + 1, b), project: text.slice(b + 1, c), json: text.slice(c + 1, end) };
}

/** The task of a record; null if its JSON is not a finished task with the record's id. */
export function parseRecord(record: DoneRecord): Task | null {
  let value: unknown;
  try {
    value = JSON.parse(record.json);
  } catch {
    return null;
  }
  if (taskShapeError(value)) return null;
  const task = taskFromJson(value as Record<string, unknown>);
  return task.id === record.id && isFinal(task.status) ? task : null;
}

/**
 * Appends finished tasks (one write: concurrent appenders do not interleave). Never
 * through a symbolic link, never to a file of another user or with a second name;
 * failing to append only means the files are read instead next time.
 */
export function appendDoneIndex(path: string, tasks: Task[]): void {
  if (tasks.length === 0) return;
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch {
    return;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.nlink !== 1 || !ownedByUs(st)) return;
    writeSync(fd, tasks.map((t) => line(doneRecord(t))).join(''));
  } catch {
    // a full disk: the next reader finds these tasks missing and reads their files
  } finally {
    closeSync(fd);
  }
}

/** Replaces the index with exactly these tasks (atomic); a failure leaves the old one, still a valid cache. */
export function rewriteDoneIndex(path: string, records: DoneRecord[]): void {
  try {
    writeFileAtomic(path, records.map(line).join(''));
  } catch {
    // a read-only or full state dir: the index stays as it was
  }
}
