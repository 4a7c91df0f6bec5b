// What a new user hit, on the installed package in a real terminal (tmux): the clipboard
// inside tmux, a pasted multi-line command, a project's stages or a command of one's own.
// Every task started here is followed until it has finished.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, waitFor } from '../integration/harness.js';
import { closeSession, DashboardKit, openSession } from './dashboard-kit.js';
import { installedPackage } from './installed.js';
import { Terminal } from './terminal.js';

const pkg = installedPackage();

let h: Harness;
let term: Terminal;
let kit: DashboardKit;
beforeEach(() => ({ h, term, kit } = openSession(pkg)));
afterEach(() => closeSession({ h, term }));

describe('the installed dashboard, as a new user tries it', () => {
  it("y inside tmux: with tmux's default set-clipboard the id goes in with tmux load-buffer; with set-clipboard on, as OSC 52", async () => {
    kit.taskFile('copy0001', { createdAt: '2024-01-01T00:00:01.000Z' });
    kit.taskFile('copy0002', { createdAt: '2024-01-01T00:00:02.000Z' });
    term.open(kit.devTools('ui'), 120, 30);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('a');
    await term.see('› copy0001');
    // tmux's default: a program's OSC 52 is dropped.
    expect(term.tmux('show-options', '-gv', 'set-clipboard').trim()).toBe('external');
    term.keys('y');
    await term.see("copied copy0001 into tmux's buffer (tmux load-buffer: its set-clipboard external drops OSC 52)");
    expect(term.tmux('show-buffer')).toBe('copy0001');
    // With set-clipboard on, tmux takes the OSC 52 itself (and passes it on to the terminal).
    term.tmux('set-option', '-g', 'set-clipboard', 'on');
    term.keys('j');
    await term.see('› copy0002');
    term.keys('y');
    await term.see("sent copy0002 to the terminal's clipboard (OSC 52, passed on by tmux)");
    await waitFor(() => term.tmux('show-buffer') === 'copy0002' || undefined, 'tmux to hold what OSC 52 sent', 5000);
  });

  it("the log pane draws the task's colours, as logs does, and nothing else of its escape sequences", async () => {
    const t = h.sh('web', "printf '\\033[31mred-text\\033[0m plain \\033[2J\\033]0;title\\007\\033[32mgreen-text\\033[0m\\n'");
    await h.waitForStatus(t.id, ['completed']);
    term.open(kit.devTools('ui', { NO_COLOR: '' }), 120, 30);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('a');
    await term.see('red-text plain green-text', 'the line, the clear-screen and the title dropped');
    const coloured = term.tmux('capture-pane', '-p', '-e', '-t', 'ui');
    expect(coloured).toMatch(/\x1b\[31mred-text\x1b\[39m plain \x1b\[32mgreen-text/);
  });

  it('a multi-line command pasted into the launch form runs as the lines it was, and completes', async () => {
    kit.writeConfig({});
    term.open(kit.devTools('ui'), 120, 30, h.home);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('n');
    await term.see('other command…');
    term.keys('Down', 'Enter');
    await term.see('Project name:');
    term.type('lines');
    await term.see('Project name: lines');
    term.keys('Enter');
    await term.see('Description:');
    term.type('pasted script');
    term.keys('Enter');
    await term.see('Command (sh -c):');
    // A bracketed paste from the terminal (the dashboard asked for them).
    term.paste('echo first-line\necho second-line');
    await term.see('Command (sh -c): echo first-line⏎echo second-line');
    await term.see('pasted lines kept');
    term.keys('Enter');
    const t = await kit.findTask((x) => x.description === 'pasted script', 'the task');
    const done = await h.waitForStatus(t.id, ['completed', 'failed', 'interrupted'], 30_000);
    expect(done.status, h.log(t.id)).toBe('completed');
    expect(done.command).toEqual(['sh', '-c', 'echo first-line\necho second-line']);
    // Two commands, not `echo first-line echo second-line`.
    expect(h.log(t.id)).toBe('first-line\nsecond-line\n');
  });

  it("n on a project with stages: a command of one's own runs in the project's directory with its environment, and completes", async () => {
    const dir = join(h.home, 'pipe-dir');
    mkdirSync(dir);
    kit.writeConfig({ projects: { pipe: { cwd: dir, env: { PIPE_VAR: 'from-config' }, stages: [{ name: 'one', run: 'echo stage' }] } } });
    term.open(kit.devTools('ui'), 120, 30, h.home);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('n');
    await term.see('pipe  (1 stage)');
    term.keys('Enter');
    await term.see('❯ its 1 stage: one');
    term.keys('Down');
    await term.see("❯ a command, in pipe's directory with its environment");
    term.keys('Enter');
    await term.see('Description:');
    term.type('where am i');
    term.keys('Enter');
    await term.see('Command (sh -c):');
    term.type('echo "at $(pwd) with $PIPE_VAR"');
    term.keys('Enter');
    const t = await kit.findTask((x) => x.description === 'where am i', 'the task');
    const done = await h.waitForStatus(t.id, ['completed', 'failed', 'interrupted'], 30_000);
    expect(done.status, h.log(t.id)).toBe('completed');
    expect(done.project).toBe('pipe');
    expect(h.log(t.id)).toBe(`at ${dir} with from-config\n`);
  });
});
