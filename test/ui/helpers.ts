import type { DashboardActions, LaunchResult, LaunchSpec, RestartEdit } from '../../components/actions.js';
import type { Task } from '../../src/core/task.js';

/** Lets Ink handle a write to stdin and render. */
export const tick = (ms = 20) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a truthy value; fails with the last frame at the deadline. */
export async function waitFor<T>(
  check: () => T | null | undefined | false,
  what: string,
  timeoutMs = 5000,
  describe?: () => string | undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${describe ? `\n--- last frame ---\n${describe() ?? ''}` : ''}`);
    await tick(15);
  }
}

export function makeTask(fields: Partial<Task> & { id: string }): Task {
  return {
    project: 'web',
    description: 'build it',
    command: ['sh', '-c', 'true'],
    cwd: '/tmp',
    status: 'running',
    createdAt: '2024-01-01T00:00:00.000Z',
    env: {},
    logFile: `logs/${fields.id}.log`,
    ...fields,
  };
}

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
