// The index of finished tasks, tasks/done.jsonl: one line per task of tasks/done/,
// appended as each task is archived, so `status --all` reads one file instead of
// thousands. The folder stays the truth: the index only saves reading the files.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { isIdPrefix } from '../core/ids.js';
import { isFinal, taskShapeError, type Task } from '../core/task.js';
import { writeFileAtomic } from './atomic.js';
import { ownedByUs } from './paths.js';
import { readOwnFile } from './read-own.js';

/** Larger than this (some 500,000 tasks) it is not read: the files are, as without an index. */
const MAX_INDEX = 256 * 1024 * 1024;

interface IndexRead {
  /** The finished tasks recorded, by id (a later line for the same id wins). */
  tasks: Map<string, Task>;
  /** Lines in the file, good or not: more than `tasks` holds means it is worth rewriting. */
  lines: number;
}

/** One line of the index: a finished task, compact, newline-terminated. */
function line(task: Task): string {
  return `${JSON.stringify(task)}\n`;
}

/** Reads the index; a missing, foreign or unreadable one reads as empty (the files are read instead). */
export function readDoneIndex(path: string): IndexRead {
  const tasks = new Map<string, Task>();
  const file = readOwnFile(path, MAX_INDEX);
  if (!file.ok) return { tasks, lines: 0 };
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
    const task = parseLine(text.slice(from, nl));
    if (task) tasks.set(task.id, task);
    from = nl + 1;
  }
  return { tasks, lines };
}

function parseLine(text: string): Task | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (taskShapeError(value)) return null;
  const task = value as Task;
  return isIdPrefix(task.id) && task.id.length === 8 && isFinal(task.status) ? task : null;
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
    writeSync(fd, tasks.map(line).join(''));
  } catch {
    // a full disk: the next reader finds these tasks missing and reads their files
  } finally {
    closeSync(fd);
  }
}

/** Replaces the index with exactly these tasks (atomic); a failure leaves the old one, still a valid cache. */
export function rewriteDoneIndex(path: string, tasks: Task[]): void {
  try {
    writeFileAtomic(path, tasks.map(line).join(''));
  } catch {
    // a read-only or full state dir: the index stays as it was
  }
}
