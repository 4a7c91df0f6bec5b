// The dashboard's DIFF column and diff view (ink-testing-library), on a real git repo
// and a real worktree task run by the real runner (its worker from dist/).
import { cleanup, render } from 'ink-testing-library';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeLaunch, type DashboardActions } from '../../components/actions.js';
import { App } from '../../components/App.js';
import { isBroken, type Task } from '../../src/core/task.js';
import { launchTask } from '../../src/runner/launch.js';
import type { Config } from '../../src/store/config.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeRepo, makeStateDir, removeStateDir, waitFor } from '../fixtures/index.js';
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
  const repo = makeRepo(join(home, 'repo'), { 'app.txt': 'one\ntwo\nthree\n' });
  config = makeConfig({
    maxParallelTasks: 4,
    cancelGraceMs: 500,
    projects: { web: { cwd: repo, env: {}, stages: [], isolation: 'worktree' } },
  });
  actions = runnerActionsFor(store, () => config);
});

afterEach(() => {
  cleanup();
  removeStateDir(home, taskPids(store));
  if (savedHome === undefined) delete process.env.DEV_TOOLS_HOME;
  else process.env.DEV_TOOLS_HOME = savedHome;
});

async function finished(line: string, project = 'web'): Promise<Task> {
  const { task } = await launchTask(store, config, { project, description: 'edit', command: ['sh', '-c', line] });
  return waitFor(
    () => {
      const e = store.read(task.id);
      return e && !isBroken(e) && e.status === 'completed' ? e : null;
    },
    `task ${task.id} to complete`,
    15_000,
  );
}

describe('diff in the dashboard', () => {
  it('shows the DIFF column, d shows the diff in the log pane (scrollable), d again the log, Esc back', async () => {
    const t = await finished("sed -i 's/two/TWO/' app.txt; seq 1 40 > numbers.txt; echo edited");
    expect(t.diff).toEqual({ files: 2, insertions: 41, deletions: 1 });
    const ui = render(<App store={store} config={config} actions={actions} size={{ columns: 120, rows: 30 }} scheduleEveryMs={300} />);
    const { frame, see } = screen(ui);
    ui.stdin.write('a');
    await see(t.id);
    await see('DIFF');
    await see('+41 -1 2f');
    await see('edited');
    await see('─ log (d diff)');
    ui.stdin.write('d');
    await see('▌ diff');
    await see(/log\/diff/);
    // The end of the diff is shown first; Home goes to its start.
    await see(/^\+40$/m);
    ui.stdin.write(KEYS.home);
    await see('diff --git a/app.txt b/app.txt');
    await see(/^-two$/m);
    await see(/^\+TWO$/m);
    // Searchable as the log is: a capital makes the search case-sensitive, so only +TWO matches.
    ui.stdin.write('/');
    await tick();
    ui.stdin.write('TWO');
    await tick();
    ui.stdin.write(KEYS.enter);
    await see(/\/TWO\s+1\/1/);
    ui.stdin.write(KEYS.escape);
    await tick();
    expect(frame()).not.toMatch(/^\+40$/m);
    ui.stdin.write('d');
    await see('▌ log');
    await see('edited');
    ui.stdin.write('d');
    await see('▌ diff');
    ui.stdin.write(KEYS.escape);
    await see('─ log (d diff)');
    await tick();
  });

  it('d on a task without a worktree says it has no diff', async () => {
    config.projects.plain = { cwd: home, env: {}, stages: [] };
    const t = await finished('echo plain', 'plain');
    const ui = render(<App store={store} config={config} actions={actions} size={{ columns: 120, rows: 30 }} scheduleEveryMs={300} />);
    const frame = () => ui.lastFrame() ?? '';
    ui.stdin.write('a');
    await waitFor(() => frame().includes(t.id), 'the task', 5000, frame);
    ui.stdin.write('d');
    await waitFor(() => frame().includes(`${t.id} did not run in a worktree: it has no diff`), 'the message', 5000, frame);
    expect(frame()).toContain('─ log');
  });

  it("a launch from the dashboard says that the project's uncommitted changes stay out of the worktree", async () => {
    writeFileSync(join(config.projects.web!.cwd!, 'app.txt'), 'dirty\n');
    const r = await launchTask(store, config, { project: 'web', description: 'dirty', command: ['true'] });
    expect(describeLaunch('started', r)).toMatch(
      /^started \w{8} \(web: dirty\) — .* · 1 file with uncommitted changes in .* stays out of the worktree/,
    );
  });
});
