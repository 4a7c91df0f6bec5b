import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createFileExclusive, safeUnlink } from './atomic.js';
import type { StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';
import { idsIn } from './task-file.js';

/**
 * The environment of the shell that launched a task, in env/<id>.json (0600), from
 * the launch until the task has started. Whoever starts the task later (a worker of
 * another shell freeing a slot) runs it with this environment, not its own. It holds
 * the shell's secrets, so it never goes into the task file and is removed once the
 * task has started or ended.
 */
function launchEnvPath(paths: StatePaths, id: string): string {
  return join(paths.env, `${id}.json`);
}

export function writeLaunchEnv(paths: StatePaths, id: string, env: NodeJS.ProcessEnv): void {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') vars[k] = v;
  createFileExclusive(launchEnvPath(paths, id), JSON.stringify(vars));
}

/**
 * A task that waits at a gate keeps its launching environment here again, for the worker
 * an approval starts and for its hooks: as at launch, 0600, never in the task file.
 */
export function keepLaunchEnv(paths: StatePaths, id: string, env: Record<string, string>): void {
  removeLaunchEnv(paths, id);
  writeLaunchEnv(paths, id, env);
}

/** The launching environment, or a reason it cannot be had. */
export function readLaunchEnv(paths: StatePaths, id: string): { env: Record<string, string> } | { problem: string } {
  const file = readOwnFile(launchEnvPath(paths, id), 64 * 1024 * 1024);
  if (!file.ok) return { problem: file.missing ? 'missing' : file.problem };
  try {
    const v = JSON.parse(file.text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { problem: 'not a JSON object' };
    const env: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') env[k] = val;
    return { env };
  } catch {
    return { problem: 'not valid JSON' };
  }
}

export function removeLaunchEnv(paths: StatePaths, id: string): void {
  safeUnlink(launchEnvPath(paths, id));
}

/** Ids that have a launch environment file. */
export function launchEnvIds(paths: StatePaths): string[] {
  return idsIn(paths.env);
}

export function launchEnvOlderThan(paths: StatePaths, id: string, ms: number): boolean {
  try {
    return Date.now() - statSync(launchEnvPath(paths, id)).mtimeMs > ms;
  } catch {
    return false;
  }
}
