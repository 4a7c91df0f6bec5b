import { isBroken } from '../core/task.js';
import type { Config } from '../store/config.js';
import { loadConfig, loadConfigOrLastValid } from '../store/config.js';
import { statePaths } from '../store/paths.js';
import { TaskStore } from '../store/tasks.js';
import { warn } from './output.js';

export interface Context {
  store: TaskStore;
  config: Config;
}

/**
 * The state directory (created 0700 if missing) and its validated config. With
 * `lastValidConfig` (commands that only look or stop), a config.json that does not
 * validate right now is one warning line, and the last valid config is used.
 */
export async function openContext(opts: { lastValidConfig?: boolean } = {}): Promise<Context> {
  const store = new TaskStore(statePaths()).ensure();
  if (!opts.lastValidConfig) return { store, config: await loadConfig(store.paths) };
  const { config, warning } = await loadConfigOrLastValid(store.paths);
  if (warning) warn(warning);
  return { store, config };
}

/** Whether a project name means something here: in config.json, or the project of a task (finished ones too). */
export function projectKnown(ctx: Context, project: string): boolean {
  return Object.hasOwn(ctx.config.projects, project) || ctx.store.list(true).some((e) => !isBroken(e) && e.project === project);
}

/** `--project` or `status <project>` matched no task: a typo and an idle project read differently. */
export function unknownProject(project: string): string {
  return `no project named ${JSON.stringify(project)}: it is not in config.json and has no tasks`;
}
