// An entry point of the bundled UI (dist/ui), like run-dashboard.
import { render } from 'ink';
import type { Task } from '../src/core/task.js';
import { TaskPicker } from './TaskPicker.js';
import { colorsAllowed } from '../src/core/terminal-codes.js';
import { ColorContext } from './useColor.js';

/** Shows the picker in the terminal; resolves to the chosen id, or null. */
export async function runPicker(tasks: Task[], title: string, color = colorsAllowed(process.env)): Promise<string | null> {
  let picked: string | null = null;
  const app = render(
    <ColorContext.Provider value={color}>
      <TaskPicker tasks={tasks} title={title} onPick={(id: string | null) => (picked = id)} />
    </ColorContext.Provider>,
  );
  await app.waitUntilExit();
  return picked;
}
