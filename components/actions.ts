import { launchState } from '../src/core/task-view.js';
import { startFailure, type Task } from '../src/core/task.js';
import { printable } from '../src/core/terminal-text.js';
import { approveTask, rejectTask } from '../src/runner/approval.js';
import { cancelTask, type Cancelled } from '../src/runner/cancel.js';
import { launchTask, restartTask, type LaunchResult, type LaunchSpec, type RestartEdit } from '../src/runner/launch.js';
import { setPaused } from '../src/runner/queue-control.js';
import { schedule } from '../src/runner/scheduler.js';
import type { PauseState } from '../src/core/queue.js';
import type { Config } from '../src/store/config.js';
import type { TaskStore } from '../src/store/tasks.js';

export type { LaunchResult, LaunchSpec, RestartEdit };

/**
 * What the dashboard can do to tasks, with the config as it is now (config.json is
 * watched). The real one binds the runner's functions (the same code as the
 * subcommands); component tests pass plain fakes.
 */
export interface DashboardActions {
  launch(spec: LaunchSpec, config: Config): Promise<LaunchResult>;
  cancel(id: string, config: Config): Promise<Cancelled>;
  /** `r`, and `R` with what was edited: it runs where the original ran. */
  restart(id: string, config: Config, edit?: RestartEdit): Promise<LaunchResult>;
  schedule(config: Config): Promise<unknown>;
  /** A gate's answers, as `dev-tools approve` and `reject` give them (absent in fakes without gates). */
  approve?(id: string, config: Config): Promise<{ message: string }>;
  reject?(id: string, config: Config, reason: string | null): Promise<{ message: string }>;
  /** A worktree task's diff as text (absent in fakes that do not show one). */
  diff?(task: Task): Promise<string>;
  /** `p`: pauses or resumes a project's queued tasks (`dev-tools pause/resume <project>`). */
  setPaused?(project: string, paused: boolean, config: Config): Promise<PauseState>;
}

export function runnerActions(store: TaskStore, environment: NodeJS.ProcessEnv = process.env): DashboardActions {
  return {
    launch: (spec, config) => launchTask(store, config, { ...spec, environment }),
    cancel: (id, config) => cancelTask(store, config, id),
    approve: (id, config) => approveTask(store, config, id),
    reject: (id, config, reason) => rejectTask(store, config, id, reason),
    restart: (id, config, edit) => restartTask(store, config, id, environment, undefined, [], edit),
    // The periodic step must not queue up behind a busy lock: the next one comes soon.
    schedule: (config) => schedule(store, config, { lockWaitMs: 200, jobs: 'shared' }),
    // Git only when a diff is asked for.
    diff: async (task) => (await import('../src/runner/worktree.js')).diffText(task),
    setPaused: (project, paused, config) => setPaused(store, config, project, paused),
  };
}

/** `started abc12345 (web: build) — running 3/10` / `launched … — queued: 4/4 running, 2nd in line`, as the CLI says it. */
export function describeLaunch(verb: string, r: LaunchResult): string {
  const refused = startFailure(r.task);
  const where = refused ? `failed: ${printable(refused)}` : launchState(r);
  // A worktree task's launch may have a word to say (uncommitted changes left out).
  const note = r.notes?.length ? ` · ${r.notes[0]!.replace(/^note: /, '')}` : '';
  return `${verb} ${r.task.id} (${printable(r.task.project)}: ${printable(r.task.description)}) — ${where}${printable(note)}`;
}
