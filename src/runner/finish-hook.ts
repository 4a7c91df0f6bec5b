// onFinish: the user's shell line, run once per task after its final state is written.
// Whoever records the final state runs it (the worker, a reaper, cancel); a sweep in
// every scheduler run catches a finisher that crashed before it could. The claim
// (store/finish-hook.ts) makes it exactly once, whoever gets there first.
import { spawn } from 'node:child_process';
import { closeSync, statSync } from 'node:fs';
import { isBroken, isFinal, type Task } from '../core/task.js';
import { projectConfig, type Config } from '../store/config.js';
import { claimFinishHook, clearFinishPending, pendingFinishIds } from '../store/finish-hook.js';
import type { TaskStore } from '../store/tasks.js';

/** A finisher normally runs the hook itself at once; the sweep leaves it that long (it has the launching environment). */
const SWEEP_AFTER_MS = 3000;

/** The project's onFinish, else the top level's; an empty string turns it off for a project. */
export function finishHookOf(config: Config, project: string): string | null {
  const own = projectConfig(config, project)?.onFinish;
  const line = own ?? config.onFinish;
  return line ? line : null;
}

/** What the hook is told, beside the environment it runs in. */
export function finishHookEnv(task: Task): Record<string, string> {
  return {
    DEV_TOOLS_TASK_ID: task.id,
    DEV_TOOLS_TASK_STATUS: task.status,
    DEV_TOOLS_EXIT_CODE: task.exitCode === null || task.exitCode === undefined ? '' : String(task.exitCode),
    DEV_TOOLS_TASK_SIGNAL: task.signal ?? '',
    DEV_TOOLS_PROJECT: task.project,
    DEV_TOOLS_TASK_DESCRIPTION: task.description,
  };
}

/**
 * Runs the task's hook if it has one and nobody ran it yet: detached, in its own
 * process group, output to logs/<id>.onfinish.log, never waited for. True when this
 * call started it. Never throws: a hook is a nicety, the task's state is what counts.
 */
export function runFinishHook(store: TaskStore, config: Config, task: Task, baseEnv: NodeJS.ProcessEnv = process.env): boolean {
  if (!isFinal(task.status)) return false;
  try {
    const line = finishHookOf(config, task.project);
    if (!line) return false;
    const fd = claimFinishHook(store.paths, task.id);
    if (fd === null) return false;
    try {
      const child = spawn('/bin/sh', ['-c', line], {
        cwd: existingDir(task.cwd) ?? store.paths.home,
        env: { ...baseEnv, ...task.env, ...finishHookEnv(task) },
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      child.on('error', () => undefined);
      child.unref();
      return true;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  } finally {
    clearFinishPending(store.paths, task.id);
  }
}

/** Hooks whose finisher died before running them (a worker or reaper killed right after the final write). */
export function sweepFinishHooks(store: TaskStore, config: Config, now = Date.now()): void {
  const pending = pendingFinishIds(store.paths);
  if (pending.length === 0) return;
  // A final task is moved to done/ as it is written: one still in tasks/ is not due yet, and is not read here.
  const active = new Set(store.activeIds());
  for (const id of pending) {
    if (active.has(id)) continue;
    const task = store.read(id);
    if (!task) {
      // Removed by `clean`, or a launch that is still creating its file.
      clearFinishPendingIfOld(store, id, now);
      continue;
    }
    if (isBroken(task) || !isFinal(task.status)) continue;
    const ended = Date.parse(task.completedAt ?? '');
    if (Number.isFinite(ended) && now - ended < SWEEP_AFTER_MS) continue;
    runFinishHook(store, config, task);
  }
}

function clearFinishPendingIfOld(store: TaskStore, id: string, now: number): void {
  try {
    if (now - statSync(`${store.paths.finish}/${id}.json`).mtimeMs > 60_000) clearFinishPending(store.paths, id);
  } catch {
    // already gone
  }
}

function existingDir(path: string | undefined): string | null {
  if (!path) return null;
  try {
    return statSync(path).isDirectory() ? path : null;
  } catch {
    return null;
  }
}
