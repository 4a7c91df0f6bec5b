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
