// Approval gates in the installed dashboard, in a real terminal (tmux): A approves a task
// waiting at its gate and the rest runs to the end; X rejects another with a reason.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import type { Harness } from '../integration/harness.js';
import { installedPackage } from './installed.js';
import { closeSession, type DashboardKit, openSession } from './dashboard-kit.js';
import type { Terminal } from './terminal.js';

const pkg = installedPackage();

let h: Harness;
let term: Terminal;
let kit: DashboardKit;
beforeEach(() => ({ h, term, kit } = openSession(pkg)));
afterEach(() => closeSession({ h, term }));

function launchAgents(description: string): TaskJson {
  const r = h.run(['task', 'agents', description, '-b', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TaskJson;
}

describe('approval gates in the installed dashboard', () => {
  it('A approves a waiting task (after y) and the rest runs; X rejects another with a reason, and its rest never runs', async () => {
    kit.writeConfig({
      projects: {
        agents: {
          cwd: h.home,
          stages: [
            { name: 'architect', run: 'echo "the plan of $DEV_TOOLS_TASK_DESCRIPTION"; echo "::spend cost=0.1"' },
            { name: 'coder', run: `touch "${h.home}/coded-$DEV_TOOLS_TASK_ID"; echo "::spend cost=0.2"`, approve: true },
          ],
        },
      },
    });
    const first = launchAgents('first');
    const second = launchAgents('second');
    await h.waitForStatus(first.id, ['waiting']);
    await h.waitForStatus(second.id, ['waiting']);
    term.open(kit.devTools('ui'));
    await term.see(new RegExp(`${first.id}.*◆ waiting`), 'the first waiting task', 20_000);
    await term.see(/A approve {2}X reject/, 'the gate keys in the footer');
    term.keys('g');
    await term.see(`› ${first.id}`, 'the first task selected');
    term.keys('A');
    await term.see(/Approve .*y\/N/, 'the question');
    term.keys('y');
    const done = await h.waitForStatus(first.id, ['completed', 'failed', 'cancelled'], 30_000);
    expect(done.status, h.log(first.id)).toBe('completed');
    expect(done.spend).toEqual({ tokens: 0, costUsd: 0.3 });
    expect(existsSync(join(h.home, `coded-${first.id}`))).toBe(true);

    // The other one still waits, first in the list now that the approved one runs on.
    term.keys('g');
    await term.see(`› ${second.id}`, 'the second task selected');
    term.keys('X');
    await term.see(`reject ${second.id}:`, 'the reason line');
    term.type('not now');
    term.keys('Enter');
    const rejected = await h.waitForStatus(second.id, ['cancelled', 'completed'], 30_000);
    expect(rejected).toMatchObject({ status: 'cancelled', error: 'rejected: not now' });
    await term.see(`rejected ${second.id}`, 'the message line');
    expect(existsSync(join(h.home, `coded-${second.id}`))).toBe(false);
    term.keys('?');
    await term.see('approve a waiting task', 'the help overlay naming the key');
  });
});
