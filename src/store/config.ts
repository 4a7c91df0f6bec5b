import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { homedir } from 'node:os';
import { errnoReason, UsageError } from '../core/errors.js';
import type { Budget, StageSpec } from '../core/task.js';
import { notOursMessage, ownedByUs, type StatePaths } from './paths.js';
import { readOwnFile } from './read-own.js';

export interface ProjectConfig {
  cwd?: string;
  env: Record<string, string>;
  stages: StageSpec[];
  /** The executor its tasks run on unless `--executor` says otherwise. */
  executor?: string;
  /** `worktree`: each task runs in its own git worktree (absent in configs cached by older versions: none). */
  isolation?: 'none' | 'worktree';
  /** Shell lines run in a fresh worktree before the stages. */
  setup?: string[];
  /** Untracked files copied from the project into a fresh worktree. */
  copy?: string[];
  /** Replaces the top-level onFinish for this project's tasks ("" for none). */
  onFinish?: string;
  /** At most this many of its tasks hold a slot at once (maxParallelTasks holds too). */
  maxParallel?: number;
  /** Seconds a task's attempt may run (`--timeout` overrides it). */
  timeout?: number;
  /** Attempts after a failed one (`--retries` overrides it). */
  retries?: number;
  /** Seconds between attempts, or `exp` (1 s, 2 s, 4 s…). */
  retryDelay?: number | 'exp';
  /** A timed-out attempt is retried too. */
  retryOnTimeout?: boolean;
  /** Replaces the top-level onWaiting for this project's tasks ("" for none). */
  onWaiting?: string;
  /** The spend that stops a task of this project (`task --budget` overrides the dollars). */
  budget?: Budget;
  /** Its tasks run in a terminal of their own, as with `--tty`. */
  tty?: boolean;
  /** What its tasks may use at most (cgroup v2 memory.max / cpu.max): a launch is refused where they cannot be applied. */
  limits?: { memory?: string; cpus?: number };
}

/** How a task's processes are held together: `auto` takes a cgroup where the machine gives one. */
export type ContainmentSetting = 'auto' | 'cgroup' | 'process-group';

/** A Slurm cluster: each task is one batch job, submitted with these extra sbatch options. */
export interface SlurmExecutorConfig {
  type: 'slurm';
  sbatchArgs: string[];
}

/**
 * Every type of executor config.json can name, by its `type`: a new executor adds its
 * entry here and in config-schema.ts, beside its folder in src/runner/executors/.
 */
export interface ExecutorConfigs {
  slurm: SlurmExecutorConfig;
}

export type ExecutorConfig = ExecutorConfigs[keyof ExecutorConfigs];

export interface Config {
  maxParallelTasks: number;
  cancelGraceMs: number;
  /** Absent in configs cached by older versions: auto. */
  containment?: ContainmentSetting;
  /** A shell line run once when a task reaches a final state (runner/finish-hook.ts). */
  onFinish?: string;
  /** A shell line run once when a task starts waiting for a person (runner/waiting-hook.ts). */
  onWaiting?: string;
  executors: Record<string, ExecutorConfig>;
  projects: Record<string, ProjectConfig>;
}

// Bump when the schema changes, so a config validated by an older version is checked again.
const CONFIG_SCHEMA_VERSION = 4;

export const DEFAULT_CONFIG: Config = { maxParallelTasks: 10, cancelGraceMs: 5000, containment: 'auto', executors: {}, projects: {} };

/** A config.json larger than this is refused before it is read (a config of a few projects is a few KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Loads config.json. zod is imported only when the file changed since it was last
 * found valid: a valid config is remembered in config.validated.json under the
 * file's size, mtime and inode, so everyday commands skip the validation cost.
 */
export async function loadConfig(paths: StatePaths): Promise<Config> {
  let key: string;
  let text: string;
  try {
    // Its stages are shell lines we run: a config.json of another user is never taken for ours.
    const st = statSync(paths.config);
    if (!ownedByUs(st)) throw new UsageError(`${notOursMessage(`config.json (${paths.config})`, st.uid)}: refusing to run its commands`);
    if (st.size > MAX_CONFIG_BYTES) {
      throw new UsageError(`config.json is too large (${st.size} bytes; at most ${MAX_CONFIG_BYTES}): is ${paths.config} the right file?`);
    }
    key = `${CONFIG_SCHEMA_VERSION}:${st.size}:${st.mtimeMs}:${st.ino}`;
    const cached = readValidated(paths, key);
    if (cached) return cached;
    text = readFileSync(paths.config, 'utf8');
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(DEFAULT_CONFIG);
    throw new UsageError(`config.json: cannot read ${paths.config}: ${errnoReason(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config.json: not valid JSON (${(err as Error).message})`);
  }
  const { parseConfig } = await import('./config-schema.js');
  const config = parseConfig(raw);
  try {
    writeFileAtomic(validatedPath(paths), JSON.stringify({ key, config }));
  } catch {
    // A read-only state dir only means validating again next time.
  }
  return config;
}

/**
 * For what only looks or stops (status, logs, cancel, wait, diff, clean) and for a queued
 * task's worker: config.json when it is valid, else the last config found valid (a file
 * half-saved by an editor must not fail tasks or hide them), with the reason to warn of.
 * Without a saved one, the defaults.
 */
export async function loadConfigOrLastValid(paths: StatePaths): Promise<{ config: Config; warning: string | null }> {
  try {
    return { config: await loadConfig(paths), warning: null };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const last = readValidated(paths, null);
    const using = last ? 'using the last valid config' : 'using the defaults (no valid config was seen before)';
    return { config: last ?? structuredClone(DEFAULT_CONFIG), warning: `${err.message}; ${using}` };
  }
}

function validatedPath(paths: StatePaths): string {
  return join(paths.home, 'config.validated.json');
}

/** The config last found valid: under this key (null: whatever key it was saved under). */
function readValidated(paths: StatePaths, key: string | null): Config | null {
  const file = readOwnFile(validatedPath(paths), 2 * MAX_CONFIG_BYTES);
  if (!file.ok) return null;
  try {
    const v = JSON.parse(file.text) as { key?: unknown; config?: Config };
    return (key === null || v.key === key) && v.config && typeof v.config === 'object' ? v.config : null;
  } catch {
    return null;
  }
}

/** A configured project by name: own keys only, so `constructor` or `toString` is not Object.prototype's. */
/** Whether config.json was written at or after `ms` (epoch ms); false when there is none. */
export function configWrittenSince(paths: StatePaths, ms: number): boolean {
  try {
    return statSync(paths.config).mtimeMs >= ms;
  } catch {
    return false;
  }
}

export function projectConfig(config: Config, name: string): ProjectConfig | undefined {
  return Object.hasOwn(config.projects, name) ? config.projects[name] : undefined;
}

/** A configured executor by name: own keys only, as for projects. */
export function executorConfig(config: Config, name: string): ExecutorConfig | undefined {
  // A config cached by an older version has no `executors` at all.
  return config.executors && Object.hasOwn(config.executors, name) ? config.executors[name] : undefined;
}

/** `~` and `~/x` in a project's cwd mean the user's home. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return homedir() + path.slice(1);
  return path;
}
