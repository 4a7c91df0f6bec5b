import type { Task } from '../core/task.js';
import { withInteractiveEnv } from '../../components/interactive-env.js';

/** Shows the picker in the terminal; resolves to the chosen id, or null. */
export async function pickTask(tasks: Task[]): Promise<string | null> {
  const [{ render }, React, { TaskPicker }] = await withInteractiveEnv(() =>
    Promise.all([import('ink'), import('react'), import('../../components/TaskPicker.js')]),
  );
  let picked: string | null = null;
  const app = render(React.createElement(TaskPicker, { tasks, title: 'Cancel which task?', onPick: (id: string | null) => (picked = id) }));
  await app.waitUntilExit();
  return picked;
}
