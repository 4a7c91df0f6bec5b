import { isBroken } from '../core/task.js';
import type { Config } from '../store/config.js';
import { loadConfig } from '../store/config.js';
import { statePaths } from '../store/paths.js';
import { TaskStore } from '../store/tasks.js';

export interface Context {
  store: TaskStore;
  config: Config;
}

/** The state directory (created 0700 if missing) and its validated config. */
export async function openContext(): Promise<Context> {
  const store = new TaskStore(statePaths()).ensure();
  const config = await loadConfig(store.paths);
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
