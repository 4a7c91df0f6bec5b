// One task file: its name, its text, and what is read from it.
import { isIdPrefix } from '../core/ids.js';
import { compareTasks, isBroken, taskFromJson, taskShapeError, taskToJson, type Task, type TaskEntry } from '../core/task.js';
import { TEMP_SUFFIX } from './atomic.js';
import { namesIn } from './paths.js';
import { readOwnFile } from './read-own.js';

export const MAX_TASK_FILE = 16 * 1024 * 1024;

/** The task id a state file is named after (`<id>.json`), or null for anything else (temp files, strangers). */
export function idFromFileName(name: string): string | null {
  if (!name.endsWith('.json') || name.endsWith(TEMP_SUFFIX)) return null;
  const id = name.slice(0, -'.json'.length);
  return isIdPrefix(id) ? id : null;
}

/** Ids of the `<id>.json` files in a folder, without reading them. */
export function idsIn(dir: string): string[] {
  return namesIn(dir)
    .map(idFromFileName)
    .filter((id): id is string => id !== null);
}

/** Reads one task file: null if absent, a broken entry if it is not a valid task. */
export function readEntry(path: string, id: string): TaskEntry | null {
  const file = readOwnFile(path, MAX_TASK_FILE);
  if (!file.ok) return file.missing ? null : { id, broken: true, error: file.problem };
  return parseEntry(file.text, id);
}

/** A task file's text as a task, or a broken entry saying why not. */
export function parseEntry(text: string, id: string): TaskEntry {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { id, broken: true, error: text.length === 0 ? 'file is empty' : 'not valid JSON' };
  }
  const problem = taskShapeError(value);
  if (problem) return { id, broken: true, error: problem };
  const task = taskFromJson(value as Record<string, unknown>);
  if (task.id !== id) return { id, broken: true, error: `file says id ${JSON.stringify(task.id)}` };
  return task;
}

export function serialize(task: Task): string {
  return `${JSON.stringify(taskToJson(task, true), null, 2)}\n`;
}

/** Sorted by creation time (see compareTasks), broken entries last. */
export function sortEntries(entries: TaskEntry[]): TaskEntry[] {
  return entries.sort((a, b) => {
    const ba = isBroken(a);
    const bb = isBroken(b);
    if (ba || bb) return ba === bb ? a.id.localeCompare(b.id) : ba ? 1 : -1;
    return compareTasks(a, b);
  });
}
