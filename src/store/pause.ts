// paused.json: which scopes of the queue are paused. Read by the scheduler under its
// lock, changed only under it (pause.ts of the runner), written whole and renamed, so a
// crash leaves the old state or the new one: it outlives every process, no daemon.
import { join } from 'node:path';
import { errnoReason, TaskError } from '../core/errors.js';
import { NOT_PAUSED, type PauseState } from '../core/queue.js';
import { safeUnlink, writeFileAtomic } from './atomic.js';
import type { StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';

export function pausePath(paths: StatePaths): string {
  return join(paths.home, 'paused.json');
}

/** The paused scopes; none when the file is missing or unreadable (a pause is never invented). */
export function readPause(paths: StatePaths): PauseState {
  const file = readOwnFile(pausePath(paths), 64 * 1024);
  if (!file.ok) return NOT_PAUSED;
  try {
    const v = JSON.parse(file.text) as Partial<PauseState>;
    const projects = Array.isArray(v.projects) ? v.projects.filter((p): p is string => typeof p === 'string') : [];
    return { all: v.all === true, projects };
  } catch {
    return NOT_PAUSED;
  }
}

export function writePause(paths: StatePaths, state: PauseState): void {
  try {
    if (!state.all && state.projects.length === 0) safeUnlink(pausePath(paths));
    else writeFileAtomic(pausePath(paths), `${JSON.stringify({ all: state.all, projects: [...state.projects].sort() })}\n`);
  } catch (err) {
    throw new TaskError(`cannot write ${pausePath(paths)}: ${errnoReason(err)}`);
  }
}
