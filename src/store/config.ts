import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { UsageError } from '../core/errors.js';
import type { StageSpec } from '../core/task.js';
import type { StatePaths } from './paths.js';

export interface ProjectConfig {
  cwd?: string;
  env: Record<string, string>;
  stages: StageSpec[];
}

export interface Config {
  maxParallelTasks: number;
  cancelGraceMs: number;
  projects: Record<string, ProjectConfig>;
}

export const DEFAULT_CONFIG: Config = { maxParallelTasks: 10, cancelGraceMs: 5000, projects: {} };

/** Loads config.json; zod is imported only when there is a file to check. */
export async function loadConfig(paths: StatePaths): Promise<Config> {
  let text: string;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return structuredClone(DEFAULT_CONFIG);
    throw new UsageError(`config.json: cannot read ${paths.config}: ${code}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`config.json: not valid JSON (${(err as Error).message})`);
  }
  const { parseConfig } = await import('./config-schema.js');
  return parseConfig(raw);
}

/** `~` and `~/x` in a project's cwd mean the user's home. */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return homedir() + path.slice(1);
  return path;
}
