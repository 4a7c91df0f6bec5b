// Interactive tasks as a user installs and runs them: the installed package's worker runs a
// `--tty` task in a pty (node-pty from the install's node_modules), and `attach`, alone or
// from the dashboard's Enter, is driven in a real terminal (tmux).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, realpathSync } from 'node:fs';
import type { TaskJson } from '../../src/core/task.js';
import { Harness, waitFor } from '../integration/harness.js';
import { installedPackage } from './installed.js';
import { closeSession, DashboardKit, openSession } from './dashboard-kit.js';
import { Terminal } from './terminal.js';

const pkg = installedPackage();

let h: Harness;
let term: Terminal;
let kit: DashboardKit;
beforeEach(() => ({ h, term, kit } = openSession(pkg)));
afterEach(() => closeSession({ h, term }));

const waiting = (id: string) => waitFor(() => (h.task(id).attention === 'input' ? true : undefined), `${id} to wait for input`, 20_000);

describe('an installed --tty task in a real terminal', () => {
  it('attach: type, see the echo and the answer, Ctrl+] back to the shell while the task goes on', async () => {
    const t: TaskJson = h.sh('agent', 'echo ready; read a; echo "got $a"; read b; echo "then $b"', ['--tty']);
    await waiting(t.id);
    // The worker loaded node-pty from the installed package's dependencies.
    const maps = readFileSync(`/proc/${h.task(t.id).pid}/maps`, 'utf8');
    expect(maps).toMatch(new RegExp(`${realpathSync(pkg.prefix)}/node_modules/@lydell/node-pty[^\\s]*/pty\\.node`));
    term.open(`${kit.devTools(`attach ${t.id}`)}; echo "ATTACH-EXIT:$?"`, 100, 30);
    await term.see('Ctrl+] detaches', 'the attach line', 20_000);
    await term.see('ready', 'the output so far');
    term.type('hello');
    await term.see('hello', 'the echo of what is typed');
    term.keys('Enter');
    await term.see('got hello', "the task's answer");
    term.keys('C-]');
    await term.see('ATTACH-EXIT:0', 'back at the shell');
    expect(term.screen()).toContain(`detached from ${t.id}`);
    expect(h.task(t.id).status).toBe('running');
    expect(h.run(['send', t.id, 'bye']).code).toBe(0);
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('then bye');
  });

  it('the dashboard: Enter on the task waiting for input hands the terminal to the attach, Ctrl+] takes it back', async () => {
    const t = h.sh('agent', 'printf "Proceed? "; read a; echo "got $a"; read b; echo "then $b"', ['--tty']);
    await waiting(t.id);
    term.open(`${kit.devTools('ui')}; echo "UI-EXIT:$?"`, 120, 30);
    await term.see(new RegExp(`${t.id}.*\\? input`), 'the task waiting for input', 20_000);
    expect(term.screen()).toContain('input 1');
    // The log pane shows its terminal's screen.
    await term.see('Proceed?', 'the question in the pane');
    term.keys('Enter');
    await term.see('Ctrl+] detaches', 'the attach, on the whole terminal', 20_000);
    term.type('yes');
    term.keys('Enter');
    await term.see('got yes', "the task's answer");
    term.keys('C-]');
    await term.see(`back from ${t.id}'s terminal`, 'the dashboard again', 20_000);
    await term.see(new RegExp(`${t.id}.*\\? input`), 'the second question', 20_000);
    // Once more, and the task ends while attached: the attach ends and the dashboard comes back.
    term.keys('Enter');
    await term.see('Ctrl+] detaches', 'the second attach', 20_000);
    term.type('done');
    term.keys('Enter');
    await term.see(`back from ${t.id}'s terminal`, 'the dashboard after the task ended', 20_000);
    const done = await h.waitForStatus(t.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(h.log(t.id)).toContain('then done');
    await term.see(new RegExp(`${t.id}.*completed`), 'the task completed on screen', 20_000);
    term.keys('q');
    await term.see('UI-EXIT:0', 'the dashboard quit');
  });
});
