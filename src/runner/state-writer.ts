// A running task's file, as its worker writes it: at most once per interval however
// fast markers arrive, at once when a step starts, and the final state until it lands.
import type { Task } from '../core/task.js';
import type { TaskStore } from '../store/tasks.js';
import { sleep } from './sleep.js';

export class StateWriter {
  private dirty = false;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: TaskStore,
    /** The task as it is now. */
    private readonly current: () => Task,
    private readonly intervalMs = 250,
  ) {}

  /** The task changed: written within the interval. */
  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.dirty) this.now();
    }, wait);
  }

  now(): void {
    this.dirty = false;
    this.lastWrite = Date.now();
    try {
      this.store.write(this.current());
    } catch (err) {
      // A full disk must not kill the task; the next write (or the final one) tries again.
      process.stderr.write(`dev-tools worker: ${(err as Error).message}\n`);
      this.dirty = true;
    }
  }

  /** No more writes on the interval: the final state comes next. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** The final state must land: a failing write is retried a few times (e.g. a briefly full disk). */
  async final(task: Task, beforeRename?: () => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.store.write(task, beforeRename);
        return;
      } catch (err) {
        if (attempt >= 20) {
          process.stderr.write(`dev-tools worker: cannot record the final state: ${(err as Error).message}\n`);
          return;
        }
        await sleep(250);
      }
    }
  }
}
