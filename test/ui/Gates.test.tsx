// The dashboard and approval gates, against a real state directory and real workers from
// dist/: a waiting task shows apart and first, A approves (after a y/N), X rejects with a
// reason, the detail view shows the plan with the log pane's search, the bell rings,
// spend shows in COST and is summed in the header.
import { cleanup, render } from 'ink-testing-library';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { TerminalControl } from '../../components/terminal-control.js';
import { isBroken, type Task } from '../../src/core/task.js';
import { launchTask } from '../../src/runner/launch.js';
import type { Config } from '../../src/store/config.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, removeStateDir, waitFor } from '../fixtures/index.js';
import { KEYS, runnerActionsFor, screen, taskPids, tick } from './helpers.js';

let home: string;
let store: TaskStore;
let config: Config;
let actions: DashboardActions;
let bells: number;
const savedHome = process.env.DEV_TOOLS_HOME;

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-gates-'));
  process.env.DEV_TOOLS_HOME = home;
  bells = 0;
  config = makeConfig({
    maxParallelTasks: 4,
    cancelGraceMs: 500,
    projects: {
      agents: {
        env: {},
        cwd: home,
        stages: [
          {
            name: 'architect',
            run: 'for i in 1 2 3 4 5 6; do echo "plan step $i"; done; echo "needle in the plan"; echo "::spend tokens=900 cost=0.25"',
          },
          { name: 'coder', run: `touch '${join(home, 'coded')}'; echo "::spend cost=0.5"`, approve: true },
        ],
      },
    },
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

const readTask = (id: string): Task | null => {
  const e = store.read(id);
  return e && !isBroken(e) ? e : null;
};

/** A terminal that counts bells (the rest of what the dashboard writes beyond frames is dropped). */
const terminal: TerminalControl = {
  write: (text: string) => {
    if (text.includes('\x07')) bells++;
  },
  redraw: () => undefined,
  runProgram: () => {
    throw new Error('not in this test');
  },
  attach: () => {
    throw new Error('not in this test');
  },
  copy: async () => ({ message: 'not in this test', ok: false }),
};

function mount(size = { columns: 120, rows: 30 }) {
  const ui = render(
    <App store={store} config={config} actions={actions} size={size} defaultProject="adhoc" scheduleEveryMs={300} terminal={terminal} />,
  );
  const { frame, see } = screen(ui);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      ui.stdin.write(k);
      await tick();
    }
  };
  return { ...ui, frame, see, press };
}

const launchAgents = async (description: string) => (await launchTask(store, config, { project: 'agents', description })).task;

describe('approval gates in the dashboard', () => {
  it('a waiting task shows apart and first, rings the bell, and A approves it after a y/N: the rest runs', async () => {
    const ui = mount();
    const other = (await launchTask(store, config, { project: 'misc', description: 'runs on', command: ['sh', '-c', 'sleep 30'] })).task;
    const gated = await launchAgents('Add login page');
    await ui.see(/◆ waiting/);
    // First in the default order, though launched after the other.
    const rows = ui.frame().split('\n');
    expect(rows.findIndex((r) => r.includes(gated.id))).toBeLessThan(rows.findIndex((r) => r.includes(other.id)));
    await waitFor(() => bells > 0 || undefined, 'the bell to ring for the wait');
    // Spend: the COST column, and the header's sum.
    await ui.see(/COST/);
    await ui.see(/spent \$0\.25/);
    // The gate's keys come first in the footer when a waiting task is selected.
    await ui.press(KEYS.home);
    await ui.see(/A approve {2}X reject/);
    await ui.press('A');
    await ui.see(`Approve ${gated.id} (agents: Add login page): run stage 2/2 (coder) on?`);
    await ui.press('y');
    await ui.see(`approved ${gated.id} from stage 2/2 (coder)`);
    await waitFor(() => readTask(gated.id)?.status === 'completed' || undefined, 'the approved task to complete');
    expect(existsSync(join(home, 'coded'))).toBe(true);
    expect(readTask(gated.id)?.spend).toEqual({ tokens: 900, costUsd: 0.75 });
    await ui.see(/spent \$0\.75/);
  });

  it('X asks why and rejects it: cancelled with the reason, the rest never runs; A on a task that does not wait says so', async () => {
    const ui = mount();
    const gated = await launchAgents('Risky change');
    await ui.see(/◆ waiting/);
    await ui.press(KEYS.home, 'X');
    await ui.see(`reject ${gated.id}:`);
    ui.stdin.write('too risky');
    await ui.see('too risky');
    await ui.press(KEYS.enter);
    await ui.see(`rejected ${gated.id} at stage 2/2 (coder): too risky`);
    expect(readTask(gated.id)).toMatchObject({ status: 'cancelled', error: 'rejected: too risky' });
    expect(existsSync(join(home, 'coded'))).toBe(false);
    await ui.press('a');
    await ui.see(/■ cancelled|■ stopped/);
    await ui.press('A');
    await ui.see(`${gated.id} is not waiting for approval (status: cancelled)`);
  });

  it("the detail view shows the plan, searchable with the log pane's search, and approves from there", async () => {
    const ui = mount({ columns: 110, rows: 40 });
    const gated = await launchAgents('Plan to review');
    await ui.see(/◆ waiting/);
    await ui.press(KEYS.home, 'i');
    await ui.see(/waiting +for approval before stage 2\/2 \(coder\)/);
    await ui.see(/plan \(before stage 2\/2 \(coder\)/);
    await ui.see('plan step 6');
    expect(ui.frame()).not.toContain('::spend');
    await ui.see(/spend +\$0\.25 · 900 tokens/);
    // Into the plan pane, and search it.
    await ui.press(KEYS.enter, '/');
    ui.stdin.write('needle');
    await ui.see('needle');
    await ui.press(KEYS.enter);
    await ui.see(/\/needle 1\/1/);
    // Back to the record, and approve from the detail view.
    await ui.press(KEYS.escape, KEYS.escape);
    await ui.press('A');
    await ui.see(`Approve ${gated.id}`);
    await ui.press('y');
    await waitFor(() => readTask(gated.id)?.status === 'completed' || undefined, 'the approved task to complete');
  });
});
