// Ink on ink-testing-library's streams: keys, a screen to wait on, actions that record what
// the dashboard asks for. Tasks, state dirs and waits: test/fixtures.
import type { DashboardActions, LaunchResult, LaunchSpec, RestartEdit } from '../../components/actions.js';
import { isBroken, type Task } from '../../src/core/task.js';
import { approveTask, rejectTask } from '../../src/runner/approval.js';
import { cancelTask } from '../../src/runner/cancel.js';
import { launchTask, restartTask } from '../../src/runner/launch.js';
import { schedule } from '../../src/runner/scheduler.js';
import { diffText } from '../../src/runner/worktree.js';
import type { Config } from '../../src/store/config.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { makeTask, waitFor } from '../fixtures/index.js';

/** Lets Ink handle a write to stdin and render (between keys that must arrive apart; never before a check that something did not happen). */
export const tick = (ms = 20) => new Promise<void>((r) => setTimeout(r, ms));

export const KEYS = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  escape: '\x1b',
  tab: '\t',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
} as const;

/** The screen of a rendered app: its last frame, and a wait until it shows something. */
export function screen(ui: { lastFrame: () => string | undefined }) {
  const frame = () => ui.lastFrame() ?? '';
  const see = (text: string | RegExp, timeoutMs = 5000) =>
    waitFor(
      () => (typeof text === 'string' ? frame().includes(text) : text.test(frame())),
      `screen to show ${String(text)}`,
      timeoutMs,
      frame,
    );
  return { frame, see };
}

/**
 * Actions for tests of what the dashboard asks for, not of what the runner does: a
 * launch is recorded in `launched`, a restart in `restarted`, each answered with a
 * queued task; a cancel is not.
 */
export function recordingActions(launched: LaunchSpec[], restarted: { id: string; edit?: RestartEdit }[] = []): DashboardActions {
  const queued = (n: number, project: string, description: string): LaunchResult => ({
    task: makeTask({ id: `new0000${n}`, project, description, status: 'queued' }),
    started: false,
    workerPid: null,
    jobId: null,
    job: null,
    queuePosition: 1,
    running: 0,
    max: 4,
    notes: [],
  });
  return {
    launch: async (spec) => {
      launched.push(spec);
      return queued(launched.length + restarted.length, spec.project, spec.description);
    },
    cancel: async () => Promise.reject(new Error('not in this test')),
    restart: async (id, _config, edit) => {
      restarted.push(edit ? { id, edit } : { id });
      return queued(launched.length + restarted.length, edit?.project ?? 'web', edit?.description ?? 'again');
    },
    schedule: async () => undefined,
  };
}

/**
 * The dashboard's actions on the real runner (its workers run from dist/: `npm test`
 * builds first), with the config the test holds at the moment of each call; `steps`
 * counts the scheduler steps the dashboard has finished.
 */
export function runnerActionsFor(store: TaskStore, config: () => Config): DashboardActions & { steps: number } {
  const actions = {
    steps: 0,
    launch: (spec: LaunchSpec) => launchTask(store, config(), spec),
    cancel: (id: string) => cancelTask(store, config(), id),
    approve: (id: string) => approveTask(store, config(), id),
    reject: (id: string, _config: Config, reason: string | null) => rejectTask(store, config(), id, reason),
    restart: (id: string, _config: Config, edit?: RestartEdit) => restartTask(store, config(), id, process.env, undefined, [], edit),
    schedule: async () => {
      const result = await schedule(store, config(), { lockWaitMs: 200 });
      actions.steps++;
      return result;
    },
    diff: (task: Task) => diffText(task),
  };
  return actions;
}

/** The task files' processes, for a cleanup (workers and command groups). */
export const taskPids = (store: TaskStore) => store.list(true).flatMap((e) => (isBroken(e) ? [] : [e.runsOn.pid, e.commandPid]));
