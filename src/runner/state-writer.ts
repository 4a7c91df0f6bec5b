// A running task's file, as its worker writes it: at most once per interval however
// fast markers arrive, at once when a step starts, and the final state until it lands.
import { writeSync } from 'node:fs';
import type { Task } from '../core/task.js';
import type { TaskStore } from '../store/tasks.js';
import { sleep } from './sleep.js';

export class StateWriter {
  private dirty = false;
  private lastWrite = 0;
  private timer: NodeJS.Timeout | null = null;
  private due = Infinity;

  constructor(
    private readonly store: TaskStore,
    /** The task as it is now. */
    private readonly current: () => Task,
    /** How soon a change of state (a step started) is written. */
    private readonly intervalMs = 250,
    /**
     * How soon a change of progress only is written. Readers show progress once a second
     * (the dashboard's clock, `status`), and every write wakes every open dashboard: ten
     * busy tasks at four writes a second each cost a dashboard more than its drawing.
     */
    private readonly progressIntervalMs = 1000,
  ) {}

  /** The task changed: written within the interval (the progress interval when `progressOnly`). */
  changed(progressOnly = false): void {
    this.dirty = true;
    const due = Math.max(Date.now(), this.lastWrite + (progressOnly ? this.progressIntervalMs : this.intervalMs));
    if (this.timer) {
      if (due >= this.due) return;
      clearTimeout(this.timer);
    }
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.due = Infinity;
      if (this.dirty) this.now();
    }, due - Date.now());
  }

  now(): void {
    this.dirty = false;
    this.lastWrite = Date.now();
    try {
      this.store.write(this.current());
    } catch (err) {
      // A full disk must not kill the task; the next write (or the final one) tries again.
      complain((err as Error).message);
      this.dirty = true;
    }
  }

  /** No more writes on the interval: the final state comes next. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.due = Infinity;
  }

  /** The final state must land: a failing write is retried a few times (e.g. a briefly full disk). */
  async final(task: Task, beforeRename?: () => void): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.store.write(task, beforeRename);
        return;
      } catch (err) {
        if (attempt >= 20) {
          complain(`cannot record the final state: ${(err as Error).message}`);
          return;
        }
        await sleep(250);
      }
    }
  }
}

/**
 * A line of the worker's own on its stderr (the task's log): synchronous, and never an
 * error of its own. On a full disk that line cannot be written either, and a stream's
 * unhandled 'error' would kill the worker and its task with it.
 */
export function complain(line: string): void {
  try {
    writeSync(2, `dev-tools worker: ${line}\n`);
  } catch {
    // nowhere left to say it
  }
}
