// The dashboard (ink-testing-library) against a real state directory, driving the
// real runner from dist/: launch, cancel, restart, the queue, live updates.
// Over 250 lines: the scenarios of one area, each with real workers; they share one set-up, so they stay together.
import { cleanup, render } from 'ink-testing-library';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runnerActions, type DashboardActions, type LaunchSpec } from '../../components/actions.js';
import { App } from '../../components/App.js';
import { isBroken, type Task } from '../../src/core/task.js';
import type { Config } from '../../src/store/config.js';
import { launchTask } from '../../src/runner/launch.js';
import { writeLaunchEnv } from '../../src/store/launch-env.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { alive, makeConfig, makeStateDir, removeStateDir, waitFor } from '../fixtures/index.js';
import { KEYS, runnerActionsFor, screen, taskPids, tick } from './helpers.js';

let home: string;
let store: TaskStore;
let config: Config;
let actions: DashboardActions;
const savedHome = process.env.DEV_TOOLS_HOME;

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-'));
  // Workers and their commands carry it: the cleanup finds them by it.
  process.env.DEV_TOOLS_HOME = home;
  config = makeConfig({
    maxParallelTasks: 4,
    cancelGraceMs: 500,
    projects: { pipe: { env: {}, stages: [{ name: 'only', run: 'echo stage-ran' }] } },
  });
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  actions = runnerActionsFor(store, () => config);
});

afterEach(() => {
  cleanup();
  removeStateDir(home, taskPids(store));
  if (savedHome === undefined) delete process.env.DEV_TOOLS_HOME;
  else process.env.DEV_TOOLS_HOME = savedHome;
});

const launch = async (description: string, line: string, extra: Partial<LaunchSpec> = {}) =>
  (await launchTask(store, config, { project: 'web', description, command: ['sh', '-c', line], ...extra })).task;

const readTask = (id: string): Task | null => {
  const e = store.read(id);
  return e && !isBroken(e) ? e : null;
};

function mount(size = { columns: 100, rows: 30 }) {
  const ui = render(<App store={store} config={config} actions={actions} size={size} defaultProject="adhoc" scheduleEveryMs={300} />);
  const { frame, see } = screen(ui);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      ui.stdin.write(k);
      await tick();
    }
  };
  /** Sends keys and waits for what they do: keys typed ahead of a view wait for it (the key router). */
  const pressUntil = async (keys: string, shows: string | RegExp) => {
    ui.stdin.write(keys);
    await see(shows);
  };
  return { ...ui, frame, see, press, pressUntil };
}

describe('App against a real state directory and real workers', () => {
  it('shows running tasks with their log, live, and a task launched elsewhere appears', async () => {
    const a = await launch('first', 'echo hello-from-a; echo "::progress 40 warming"; sleep 30');
    const ui = mount();
    await ui.see(a.id);
    await ui.see('hello-from-a');
    await ui.see(/running 1\/4/);
    await ui.see('40%');
    const b = await launch('second', 'sleep 30');
    await ui.see(b.id, 2000);
    await ui.see(/running 2\/4/);
    // The frame is the root's rows - 1 lines, never more (Ink would clear the screen on every frame).
    expect(ui.frame().split('\n').length).toBeLessThanOrEqual(29);
  });

  it('c then y cancels the selected running task for real', async () => {
    const t = await launch('sleeper', 'sleep 30');
    await waitFor(() => readTask(t.id)?.commandPid, 'the command to start');
    const ui = mount();
    await ui.see(t.id);
    await ui.press('c');
    await ui.see(`Cancel ${t.id} (web: sleeper)? [y/N]`);
    await ui.press('y');
    await waitFor(() => readTask(t.id)?.status === 'cancelled', 'the task file to say cancelled', 15_000);
    await ui.see(`cancelled ${t.id}`, 15_000);
    await ui.see('■ cancelled');
  });

  it('c then Enter (the default No) leaves the task running', async () => {
    const t = await launch('sleeper', 'sleep 30');
    await waitFor(() => readTask(t.id)?.commandPid, 'the command to start');
    const asked: string[] = [];
    const cancel = actions.cancel;
    actions = { ...actions, cancel: (id, c) => (asked.push(id), cancel(id, c)) };
    const ui = mount();
    await ui.see(t.id);
    await ui.press('c');
    await ui.see('[y/N]');
    await ui.press(KEYS.enter);
    // The answer is handled at once: a cancel would have been asked for by the time it is said.
    await ui.see('nothing done');
    expect(asked).toEqual([]);
    expect(readTask(t.id)?.status).toBe('running');
    expect(alive(readTask(t.id)?.commandPid)).toBe(true);
  });

  it('r on a finished task creates a new task with restartOf', async () => {
    const t = await launch('quick', 'echo done-once');
    await waitFor(() => readTask(t.id)?.status === 'completed', 'the task to complete', 10_000);
    const ui = mount();
    await ui.press('a');
    await ui.see('✔ completed');
    await ui.press('r');
    const restarted = await waitFor(
      () => store.list(true).find((e): e is Task => !isBroken(e) && e.restartOf === t.id),
      'a task restarted from the first',
      10_000,
      ui.frame,
    );
    await ui.see(`restarted ${t.id} as ${restarted.id}`);
    expect(restarted.command).toEqual(['sh', '-c', 'echo done-once']);
  });

  it("R restarts where the task ran (its cwd, not its project's cwd of now), with the command as edited", async () => {
    const ranIn = join(home, 'where-it-ran');
    mkdirSync(ranIn);
    config.projects.here = { cwd: ranIn, env: {}, stages: [] };
    const t = (await launchTask(store, config, { project: 'here', description: 'where', command: ['sh', '-c', 'pwd'] })).task;
    await waitFor(() => readTask(t.id)?.status === 'completed', 'the task to complete', 10_000);
    // The project has moved since.
    config.projects.here = { cwd: home, env: {}, stages: [] };
    const ui = mount();
    await ui.press('a');
    await ui.see(t.id);
    await ui.pressUntil('R', 'Project name: here');
    await ui.pressUntil(KEYS.enter, 'Description: where');
    await ui.pressUntil(KEYS.enter, 'Command (sh -c): pwd');
    await ui.pressUntil(' -P', 'Command (sh -c): pwd -P');
    ui.stdin.write(KEYS.enter);
    const again = await waitFor(
      () => store.list(true).find((e): e is Task => !isBroken(e) && e.restartOf === t.id),
      'the restarted task',
      10_000,
      ui.frame,
    );
    expect(again).toMatchObject({ project: 'here', description: 'where', cwd: ranIn, command: ['sh', '-c', 'pwd -P'] });
    await waitFor(() => readTask(again.id)?.status === 'completed', 'the restart to complete', 10_000);
    expect(readFileSync(store.logPath(again.id), 'utf8')).toBe(`${ranIn}\n`);
    await ui.see(`restarted ${t.id} as ${again.id}`);
  });

  it('r on a running task asks first, then cancels it and starts it again', async () => {
    const t = await launch('long', 'sleep 30');
    await waitFor(() => readTask(t.id)?.commandPid, 'the command to start');
    const ui = mount();
    await ui.see(t.id);
    await ui.press('r');
    await ui.see(`${t.id} is still running: cancel it and start it again? [y/N]`);
    await ui.press('y');
    const restarted = await waitFor(
      () => store.list(true).find((e): e is Task => !isBroken(e) && e.restartOf === t.id),
      'a restarted task',
      15_000,
      ui.frame,
    );
    expect(readTask(t.id)?.status).toBe('cancelled');
    await ui.see(restarted.id);
  });

  it('the launch form creates a task from "other command…"', async () => {
    const ui = mount();
    await ui.see('no active tasks');
    await ui.press('n');
    await ui.see('other command…');
    await ui.pressUntil(KEYS.down, '❯ other command…');
    await ui.pressUntil(KEYS.enter, 'Project name: adhoc');
    await ui.pressUntil(KEYS.enter, 'Description:');
    await ui.pressUntil('say hi', 'Description: say hi');
    await ui.pressUntil(KEYS.enter, 'Command (sh -c):');
    await ui.pressUntil('echo launched-from-form', 'Command (sh -c): echo launched-from-form');
    await ui.pressUntil(KEYS.enter, /launching adhoc|started/);
    const task = await waitFor(
      () => store.list(true).find((e): e is Task => !isBroken(e) && e.description === 'say hi'),
      'the launched task',
      10_000,
      ui.frame,
    );
    expect(task.project).toBe('adhoc');
    expect(task.command).toEqual(['sh', '-c', 'echo launched-from-form']);
    await ui.see(task.id);
    await ui.see('launched-from-form');
  });

  it('the launch form runs a configured pipeline, and Esc abandons it', async () => {
    const ui = mount();
    await ui.press('n');
    await ui.see('pipe  (1 stage)');
    await ui.press(KEYS.escape);
    await ui.see('launch abandoned');
    expect(store.list(true)).toHaveLength(0);
    await ui.press('n');
    await ui.see('pipe  (1 stage)');
    // Its stages (the first choice), or a command of one's own.
    await ui.pressUntil(KEYS.enter, 'its 1 stage: only');
    await ui.pressUntil(KEYS.enter, 'Description:');
    await ui.pressUntil('run the pipe', 'Description: run the pipe');
    await ui.pressUntil(KEYS.enter, /launching pipe|started/);
    const task = await waitFor(
      () => store.list(true).find((e): e is Task => !isBroken(e) && e.project === 'pipe'),
      'the pipeline task',
      10_000,
      ui.frame,
    );
    expect(task.stages).toEqual([{ name: 'only', run: 'echo stage-ran' }]);
    await ui.see('stage-ran', 10_000);
  });

  it('filters by id, project or description; Esc clears', async () => {
    const a = await launch('alpha job', 'sleep 30');
    const b = await launch('beta job', 'sleep 30', { project: 'other' });
    const ui = mount();
    await ui.see(b.id);
    await ui.press('/');
    await ui.pressUntil('beta', '/beta');
    await waitFor(() => !ui.frame().includes(a.id), 'alpha to be filtered out', 3000, ui.frame);
    expect(ui.frame()).toContain(b.id);
    await ui.press(KEYS.enter);
    await ui.see('filter: beta');
    await ui.press(KEYS.escape);
    await ui.see(a.id);
    await ui.press('/');
    await ui.pressUntil('other', '/other');
    await waitFor(() => !ui.frame().includes(a.id), 'filter by project', 3000, ui.frame);
    await ui.press(KEYS.escape);
    await ui.see(a.id);
  });

  it('a toggles between active tasks and all tasks', async () => {
    const done = await launch('finished before', 'true');
    await waitFor(() => readTask(done.id)?.status === 'completed', 'the task to complete', 10_000);
    const live = await launch('still running', 'sleep 30');
    const ui = mount();
    await ui.see(live.id);
    expect(ui.frame()).not.toContain(done.id);
    await ui.press('a');
    await ui.see(done.id);
    await ui.see('[all tasks]');
    await ui.press('a');
    await waitFor(() => !ui.frame().includes(done.id), 'the finished task to leave the active view', 3000, ui.frame);
  });

  it('moves the selection with j/k/G/g and scrolls the focused log', async () => {
    const tasks: Task[] = [];
    for (let i = 0; i < 3; i++) tasks.push(await launch(`job ${i}`, `for i in $(seq 1 60); do echo job${i}-line-$i; done; sleep 30`));
    const ui = mount();
    await ui.see('job0-line-60');
    await ui.press('j');
    await ui.see('job1-line-60');
    await ui.press('G');
    await ui.see('job2-line-60');
    await ui.press('k');
    await ui.see('job1-line-60');
    await ui.press('g');
    await ui.see('job0-line-60');
    await ui.press(KEYS.enter);
    await ui.see('PgUp/PgDn');
    await ui.press(KEYS.home);
    await ui.see(/job0-line-1\n/);
    expect(ui.frame()).not.toContain('job0-line-60');
    await ui.press(KEYS.end);
    await ui.see('job0-line-60');
    await ui.press(KEYS.escape);
    await ui.see('n new');
  });

  it('shows a broken task file as a broken row, not a crash', async () => {
    writeFileSync(join(home, 'tasks', 'zzzz0000.json'), '{"id": "zzzz', { mode: 0o600 });
    const ui = mount();
    await ui.see(/zzzz0000\s+✖ broken task file: not valid JSON/);
    await ui.see('broken 1');
  });

  it('shows the help overlay from the keymap, and closes it', async () => {
    const ui = mount({ columns: 100, rows: 40 });
    await ui.press('?');
    await ui.see('cancel the selected or marked tasks (asks first)');
    await ui.press(KEYS.escape);
    await ui.see('no active tasks');
  });

  it('schedules with config.json as it is now: a limit lowered while open starts fewer tasks', async () => {
    // The dashboard's own actions (with its config, read from config.json), each scheduler step counted.
    const own = runnerActions(store);
    let steps = 0;
    actions = { ...own, schedule: (c) => own.schedule(c).finally(() => steps++) };
    const ui = mount();
    await ui.see('running 0/4');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ ...config, maxParallelTasks: 1 }));
    await ui.see('running 0/1');
    const queued = [0, 1].map((i) =>
      // As a launch makes it: the launching environment first (the worker runs the task with it), then the task file.
      store.create(
        {
          project: 'web',
          description: `q${i}`,
          command: ['sh', '-c', 'sleep 30'],
          cwd: home,
          env: {},
          status: 'queued',
          createdAt: new Date(Date.now() + i).toISOString(),
          runsOn: { kind: 'local' },
        },
        { prepare: (id) => writeLaunchEnv(store.paths, id, process.env) },
      ),
    );
    const running = () => queued.filter((t) => readTask(t.id)?.status === 'running').length;
    await waitFor(() => running() === 1, 'the dashboard to start one', 10_000, ui.frame);
    // Three more scheduler steps (every 300 ms here), each of which would start the second: it stays queued.
    const seen = steps;
    await waitFor(() => steps >= seen + 3 || undefined, 'three more scheduler steps', 10_000, ui.frame);
    expect(running()).toBe(1);
    expect(readTask(queued[1]!.id)?.status).toBe('queued');
  });

  it('says the terminal is too small instead of drawing a garbled dashboard', async () => {
    const ui = mount({ columns: 50, rows: 10 });
    await ui.see('terminal too small');
    expect(ui.frame()).not.toContain('STATUS');
  });
});
