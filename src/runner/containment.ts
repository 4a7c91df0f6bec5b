// How a task's processes are held together: a cgroup of its own where the machine gives
// one (config `containment`: auto, cgroup, process-group), else process groups. A launch
// asks containmentProblem() first, so a task that cannot run as configured is refused
// then; its worker decides for real (containTask) before anything of the task runs.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errnoReason } from '../core/errors.js';
import { formatBytes, parseSize } from '../core/units.js';
import type { ContainmentSetting } from '../store/config.js';
import { Ledger } from '../store/ledger.js';
import type { StatePaths } from '../store/paths.js';
import {
  applyLimits,
  cgroupExists,
  cgroupPopulated,
  cgroupRoot,
  killCgroup,
  limitsProblem,
  makeCgroup,
  removeCgroup,
  stopCgroup,
  taskCgroupPath,
  type Limits,
} from './cgroup.js';

function hasLimits(limits: Limits): boolean {
  return limits.memory !== undefined || limits.cpus !== undefined;
}

/** Why a task of a project with these settings cannot be launched here, or null. */
export function containmentProblem(setting: ContainmentSetting, limits: Limits, env: NodeJS.ProcessEnv = process.env): string | null {
  if (setting === 'process-group' && hasLimits(limits)) {
    return 'limits need a cgroup, and config.json sets containment "process-group" (set it to "auto" or "cgroup")';
  }
  if (setting === 'process-group') return null;
  const root = cgroupRoot(env);
  if (hasLimits(limits)) return limitsProblem(root, limits);
  if (setting === 'cgroup' && 'problem' in root) {
    return `containment "cgroup" is set, and there is no cgroup to use: ${root.problem} (see "Containment" in the README)`;
  }
  return null;
}

/**
 * The task's cgroup, made (its path recorded in the ledger first, so a crash leaves it
 * findable), or null for process groups; `problem` when the task cannot run as configured.
 */
export function containTask(
  ledger: Ledger,
  home: string,
  id: string,
  setting: ContainmentSetting,
  limits: Limits,
): { cgroup: string | null; memoryLimit: number | null } | { problem: string } {
  const problem = containmentProblem(setting, limits);
  if (problem) return { problem };
  if (setting === 'process-group') return { cgroup: null, memoryLimit: null };
  const root = cgroupRoot();
  if ('problem' in root) return { cgroup: null, memoryLimit: null };
  const path = taskCgroupPath(root.dir, home, id);
  const memoryLimit = limits.memory === undefined ? null : parseSize(limits.memory);
  try {
    ledger.recordCgroup(path);
    makeCgroup(path);
    applyLimits(path, limits, memoryLimit);
    return { cgroup: path, memoryLimit };
  } catch (err) {
    removeCgroup(path);
    ledger.forgetCgroup();
    if (setting === 'auto' && !hasLimits(limits)) return { cgroup: null, memoryLimit: null };
    return { problem: `cannot make its cgroup ${path}: ${errnoReason(err)}` };
  }
}

/** The error of a task whose processes the kernel killed for lack of memory. */
export function outOfMemoryError(limit: number | null): string {
  return `killed: out of memory${limit ? ` (limit ${formatBytes(limit)})` : ''}`;
}

/**
 * Removes the task's cgroup once it is empty, and then its record. A cgroup something
 * still lives in (it outlived even cgroup.kill) keeps its record: the sweepers see it,
 * count it against the limit and remove it once it is empty.
 */
export function releaseCgroup(ledger: Ledger, path: string): boolean {
  if (cgroupPopulated(path)) return false;
  if (!removeCgroup(path)) return false;
  ledger.forgetCgroup();
  return true;
}

/**
 * Stops what lives in the cgroup of a task whose worker is gone, and removes it: true
 * once it is gone (or was never made). Only a cgroup dev-tools made for this task is
 * touched (a ledger is ours, but its content is checked all the same).
 */
export async function sweepCgroup(path: string, id: string, graceMs: number): Promise<boolean> {
  if (!isTaskCgroup(path, id)) return true;
  if (!cgroupExists(path)) return true;
  if (cgroupPopulated(path)) {
    const { gone } = await stopCgroup(path, graceMs);
    if (!gone) return false;
  }
  return removeCgroup(path);
}

/** Synchronous form for a sweep that must not wait: kills what lives in it at once; true when it could be removed. */
export function killAndRemoveCgroup(path: string, id: string): boolean {
  if (!isTaskCgroup(path, id) || !cgroupExists(path)) return true;
  if (cgroupPopulated(path)) killCgroup(path);
  return removeCgroup(path);
}

function isTaskCgroup(path: string, id: string): boolean {
  const parts = path.split('/');
  return parts.length >= 3 && parts[parts.length - 2] === 'dev-tools' && parts[parts.length - 1]!.endsWith(`-${id}`);
}

/**
 * Cgroups of this state dir's tasks that no ledger names (a ledger or state dir removed or
 * restored by hand): what lives in them is killed and they are removed. A worker records
 * its cgroup before it makes it and forgets it after removing it, so no live task's
 * cgroup is ever without its record. Returns how many went.
 */
export function sweepStrayCgroups(paths: StatePaths): number {
  const root = cgroupRoot();
  if ('problem' in root) return 0;
  const prefix = basename(taskCgroupPath(root.dir, paths.home, ''));
  let names: string[];
  try {
    names = readdirSync(root.dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const id = name.slice(prefix.length);
    const path = join(root.dir, name);
    if (new Ledger(paths, id).read()?.cgroup === path) continue;
    if (killAndRemoveCgroup(path, id)) removed++;
  }
  return removed;
}
