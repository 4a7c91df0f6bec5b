// The dashboard as a user installs and runs it: `npm pack`, the tarball installed into
// a temporary prefix, that `dev-tools` driven in a real terminal (tmux). Every task it
// launches, restarts or claims runs through the bundled code in dist/ui.
// Over 250 lines: the scenarios of one area, in one installed package and terminal; they share one set-up, so they stay together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { groupMembers, Harness, HEAVY_MODULE, waitFor } from '../integration/harness.js';
import { makeRepo } from '../fixtures/index.js';
import { installedPackage, nodeScripts, readSpawns } from './installed.js';
import { closeSession, DashboardKit, openSession } from './dashboard-kit.js';
import { Terminal } from './terminal.js';

const pkg = installedPackage();

let h: Harness;
let term: Terminal;
let kit: DashboardKit;
beforeEach(() => ({ h, term, kit } = openSession(pkg)));
afterEach(() => closeSession({ h, term }));

const importsFile = () => join(h.home, 'imports.txt');
const spawnsFile = () => join(h.home, 'spawns.txt');

/** The UI came from the installed bundle: Ink, React and their packages were not loaded file by file. */
function expectBundledUi(entry: string): void {
  const loaded = readFileSync(importsFile(), 'utf8').split('\n');
  expect(loaded).toContain(`file://${realpathSync(pkg.root)}/dist/ui/${entry}.js`);
  expect(loaded.filter((u) => HEAVY_MODULE.test(u) || /devtools/i.test(u))).toEqual([]);
}

/** Every script the dashboard started as a process (workers, group stoppers) is a file of the installed package. */
function expectSpawnedFilesExist(): string[] {
  const root = realpathSync(pkg.root);
  const scripts = nodeScripts(readSpawns(spawnsFile())).map((s) => s.script);
  for (const script of scripts) {
    expect(existsSync(script), `spawned ${script}`).toBe(true);
    expect(realpathSync(script).startsWith(`${root}/`), `${script} is in the installed package`).toBe(true);
  }
  return scripts;
}

// What every dashboard test does, from the kit.
const devTools = (args: string, env: Record<string, string> = {}) => kit.devTools(args, env);
const writeConfig = (config: Record<string, unknown>) => kit.writeConfig(config);
const findTask = (match: (t: TaskJson) => boolean, what: string) => kit.findTask(match, what);
const taskFile = (id: string, fields: Partial<TaskJson>) => kit.taskFile(id, fields);

describe('the installed dashboard in a real terminal', () => {
  it('shows tasks live, cancels with c y, quits with q and restores the terminal', async () => {
    const first = h.sh('web', 'echo hello-e2e; sleep 60');
    term.open(`echo BEFORE-UI; ${devTools('ui')}; echo "UI-EXIT:$?"`);
    await term.see(new RegExp(`${first.id}.*running`), 'the first task on screen', 20_000);
    expect(term.screen()).not.toContain('BEFORE-UI'); // alternate screen
    // NO_COLOR: no foreground colours on screen (capture with escapes kept).
    expect(term.tmux('capture-pane', '-p', '-e', '-t', 'ui')).not.toMatch(/\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7])(?:;[0-9;]*)?m/);
    await term.see('hello-e2e', 'its log in the log pane');

    // Launched from another shell, it appears by itself.
    const second = h.sh('api', 'echo second; sleep 60');
    await term.see(second.id, 'the second task');
    term.keys('G');
    await term.see(`› ${second.id}`, 'the second task selected');
    term.keys('c');
    await term.see(/Cancel .*y\/N/, 'the confirm question');
    term.keys('y');
    await h.waitForStatus(second.id, ['cancelled'], 30_000);
    await term.see('cancelled', 'the cancel on screen');
    expect(h.task(first.id).status).toBe('running');

    term.keys('q');
    await term.see('UI-EXIT:0', 'the dashboard to exit');
    const after = term.screen();
    expect(after).toContain('BEFORE-UI'); // back on the normal screen, as it was
    expect(after).not.toContain(first.id);
    expectBundledUi('run-dashboard');
  });

  it('n launches a configured pipeline and an "other command…"; both complete', async () => {
    writeConfig({
      projects: {
        pipe: {
          cwd: h.home,
          stages: [
            { name: 'one', run: 'echo stage-one-ran' },
            { name: 'two', run: 'echo stage-two-ran' },
          ],
        },
      },
    });
    term.open(devTools('ui'), 120, 30, h.home);
    await term.see('no active tasks');

    term.keys('n');
    await term.see('pipe  (2 stages)');
    term.keys('Enter');
    await term.see('❯ its 2 stages: one → two');
    term.keys('Enter');
    await term.see('Description:');
    term.type('from the dashboard');
    await term.see('Description: from the dashboard');
    term.keys('Enter');
    const pipeline = await findTask((t) => t.description === 'from the dashboard', 'the pipeline task');
    const piped = await h.waitForStatus(pipeline.id, ['completed', 'failed', 'interrupted'], 30_000);
    expect(piped.status, h.log(pipeline.id)).toBe('completed');
    expect(h.log(pipeline.id)).toContain('stage-two-ran');
    await term.see(/✔ completed/, 'the pipeline completed on screen');

    term.keys('n');
    await term.see('other command…');
    term.keys('Down', 'Enter');
    await term.see('Project name:');
    term.keys('Enter');
    await term.see('Description:');
    term.type('other one');
    term.keys('Enter');
    await term.see('Command (sh -c):');
    term.type('echo other-ran');
    term.keys('Enter');
    const other = await findTask((t) => t.description === 'other one', 'the other-command task');
    const ran = await h.waitForStatus(other.id, ['completed', 'failed', 'interrupted'], 30_000);
    expect(ran.status, h.log(other.id)).toBe('completed');
    expect(h.log(other.id)).toContain('other-ran');
    expect(other.command).toEqual(['sh', '-c', 'echo other-ran']);
    expect(expectSpawnedFilesExist().length).toBeGreaterThanOrEqual(2);
  });

  it('r restarts a finished task as a new task, which completes; D then removes the marked finished ones, never a running one', async () => {
    const first = h.sh('web', 'echo run-$DEV_TOOLS_TASK_ID');
    await h.waitForStatus(first.id, ['completed']);
    const busy = h.sh('api', 'echo busy; sleep 60');
    term.open(devTools('ui'));
    term.keys('a');
    await term.see(`› ${first.id}`, 'the finished task, selected');
    term.keys('r');
    const again = await findTask((t) => t.restartOf === first.id, 'the restarted task');
    const done = await h.waitForStatus(again.id, ['completed', 'failed', 'interrupted'], 30_000);
    expect(done.status, h.log(again.id)).toBe('completed');
    expect(h.log(again.id)).toContain(`run-${again.id}`);
    await term.see(again.id, 'the new task on screen');
    expectSpawnedFilesExist();

    // Oldest first: the finished one, the running one, the restart. All three marked.
    term.keys('g');
    for (const id of [first.id, busy.id, again.id]) {
      await term.see(`› ${id}`, `${id} selected`);
      term.keys('Space');
      await term.see(`›•${id}`, `${id} marked`);
      term.keys('j');
    }
    term.keys('D');
    await term.see(
      `Remove 2 finished tasks and their logs (${first.id}, ${again.id})? 1 not finished is skipped: ${busy.id}.`,
      'one question naming them, and the running one skipped',
    );
    term.keys('y');
    await term.see(/removed 2 tasks \(/, 'the clean on the message line');
    const gone = (id: string) => !existsSync(join(h.home, 'tasks', 'done', `${id}.json`)) && !existsSync(join(h.home, 'logs', `${id}.log`));
    await waitFor(() => (gone(first.id) && gone(again.id)) || undefined, 'their task files and logs to go');
    await waitFor(() => ![first.id, again.id].some((id) => term.screen().includes(id)) || undefined, 'their rows to go');
    expect(term.screen()).toContain(busy.id);
    expect(h.task(busy.id).status).toBe('running');
    expect(h.log(busy.id)).toContain('busy');
  });

  it("a queued CLI task that the dashboard's scheduler claims completes (after the limit is raised in config.json)", async () => {
    writeConfig({ maxParallelTasks: 1 });
    const blocker = h.sh('web', 'sleep 60');
    await waitFor(() => h.task(blocker.id).commandPid || undefined, 'the blocker to run');
    const queued = h.sh('web', 'echo claimed-by-the-dashboard');
    expect(h.task(queued.id).status).toBe('queued');
    term.open(devTools('ui'));
    await term.see('running 1/1');
    // Nothing else runs the scheduler now: only the dashboard's own step can start it.
    writeConfig({ maxParallelTasks: 2 });
    await term.see(/running \d\/2/, 'the new limit', 5000);
    const done = await h.waitForStatus(queued.id, ['completed', 'failed', 'interrupted'], 30_000);
    expect(done.status, h.log(queued.id)).toBe('completed');
    expect(h.log(queued.id)).toContain('claimed-by-the-dashboard');
    const started = nodeScripts(readSpawns(spawnsFile())).filter((s) => s.record.args.includes(queued.id));
    expect(started, 'the dashboard started its worker').toHaveLength(1);
    expectSpawnedFilesExist();
  });

  it('a worker killed while the dashboard is open leaves no process of its command', async () => {
    writeConfig({});
    const t = h.sh('web', 'sleep 301 & sleep 302; wait');
    const running = await waitFor(() => {
      const now = h.task(t.id);
      return now.pid && now.commandPid ? now : undefined;
    }, 'the command to run');
    term.open(devTools('ui'));
    await term.see(new RegExp(`${t.id}.*running`), 'the task on screen');
    process.kill(running.pid!, 'SIGKILL');
    await h.waitForStatus(t.id, ['interrupted'], 30_000);
    await term.see('! interrupted', 'the reaped task on screen');
    // Polled in /proc: the group (sh and both sleeps) is stopped, not left behind.
    await waitFor(() => groupMembers(running.commandPid!).length === 0 || undefined, 'the command group to be gone', 20_000);
    expectSpawnedFilesExist();
  });

  it('keys sent in one chunk all count: kkkkkkkkkk moves ten rows; the help overlay scrolls at 140x20', async () => {
    for (let i = 1; i <= 12; i++)
      taskFile(`done${String(i).padStart(4, '0')}`, { createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() });
    term.open(devTools('ui'), 140, 20);
    await term.see('no active tasks');
    term.keys('a');
    await term.see('1/12');
    term.keys('G');
    await term.see('12/12');
    term.type('kkkkkkkkkk');
    await term.see(/\s2\/12/, 'ten rows up', 5000);
    await term.see('› done0002');
    term.keys('?');
    await term.see('more below', 'the help, scrollable');
    term.keys('PageDown', 'PageDown', 'PageDown', 'PageDown');
    await term.see('no (the default)', 'the last entry, scrolled to');
    expect(term.screen()).not.toContain('more below');
  });

  it('DEV=true in the environment: the dashboard runs, loads no React DevTools, and tasks still see DEV', async () => {
    writeConfig({ projects: { env: { cwd: h.home, stages: [{ name: 'show', run: 'echo "dev is [$DEV] ci is [$CI]"' }] } } });
    // Validated once here, so \`ui\` finds it cached and loads no zod before the bundle.
    expect(h.run(['status']).code).toBe(0);
    term.open(devTools('ui', { DEV: 'true' }), 120, 30, h.home);
    await term.see('no active tasks');
    term.keys('n');
    await term.see('env  (1 stage)');
    term.keys('Enter', 'Enter');
    await term.see('Description:');
    term.type('check env');
    term.keys('Enter');
    const t = await findTask((x) => x.description === 'check env', 'the task');
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('dev is [true] ci is [true]');
    expectBundledUi('run-dashboard');
  });

  it('a task launched from it runs with the environment of the shell that opened it: CI kept, NODE_ENV not added', async () => {
    // The UI hides CI and sets NODE_ENV while Ink and React load; the tasks it launches must not see that.
    writeConfig({
      projects: {
        env: { cwd: h.home, stages: [{ name: 'show', run: 'echo "shell [$FROM_SHELL] ci [$CI] node_env [${NODE_ENV-unset}]"' }] },
      },
    });
    expect(h.run(['status']).code).toBe(0);
    term.open(`unset NODE_ENV; ${devTools('ui', { FROM_SHELL: 'yes' })}`, 120, 30, h.home);
    await term.see('no active tasks');
    term.keys('n');
    await term.see('env  (1 stage)');
    term.keys('Enter', 'Enter');
    await term.see('Description:');
    term.type('launch env');
    term.keys('Enter');
    const t = await findTask((x) => x.description === 'launch env', 'the task');
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('shell [yes] ci [true] node_env [unset]');
  });
});

describe('the installed dashboard for a long day', () => {
  /** tmux's view of the pane: alternate screen on, cursor shown. */
  const paneState = () => term.tmux('display-message', '-p', '-t', 'ui', '#{alternate_on} #{cursor_flag}').trim();

  it('search in the log pane, the detail view, sort, and the pager round trip with a full redraw', async () => {
    const old = taskFile('old00001', { status: 'failed', createdAt: '2024-01-01T00:00:00.000Z', exitCode: 3 });
    // Finished before the dashboard opens: nothing on screen changes by itself (no clock ticking
    // for a running task), so after the pager only the dashboard's own redraw can bring it back.
    const t = h.sh('web', 'for i in $(seq 1 40); do echo "line $i"; done; echo "needle one"; echo "NEEDLE two"; echo "a needle three"');
    await h.waitForStatus(t.id, ['completed']);
    // A pager that tells what the terminal was like while it ran, prints on the screen it got, and exits.
    const socket = term.socket;
    const seen = join(h.home, 'pager-saw.txt');
    const stub = join(h.home, 'pager.sh');
    writeFileSync(
      stub,
      `#!/bin/sh\n{ printf '%s|' "$1"; tmux -L '${socket}' display-message -p -t ui '#{alternate_on} #{cursor_flag}' | tr -d '\\n'; printf '|'; stty -a < /dev/tty | tr ' ' '\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo; } >> '${seen}'\necho PAGER-WAS-HERE\n[ "$(wc -l < '${seen}')" -ge 2 ] && kill -INT 0\nexit 0\n`,
      { mode: 0o700 },
    );
    term.open(devTools('ui', { PAGER: stub }), 120, 30, h.home);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('a');
    await term.see(old.id, 'the finished tasks');
    term.keys('G');
    await term.see(`› ${t.id}`);
    await term.see('needle three', 'its log');

    // Search in the log pane: smartcase, count, n with wrap-around, Esc clears it.
    term.keys('Enter');
    await term.see('▌ log', 'the log pane focused');
    term.keys('/');
    await term.see('search the loaded log', 'the search line');
    term.type('needle');
    term.keys('Enter');
    await term.see('/needle 1/3', 'the first of three matches');
    term.keys('n');
    await term.see('/needle 2/3');
    term.keys('n', 'n');
    await term.see('/needle 1/3 · search hit BOTTOM, continuing at TOP', 'the wrap-around');
    term.keys('/');
    await term.see('search the loaded log');
    term.type('NEEDLE');
    term.keys('Enter');
    await term.see('/NEEDLE 1/1', 'a capital: case-sensitive');
    term.keys('Escape');
    await waitFor(() => !term.screen().includes('/NEEDLE') || undefined, 'the search to clear');
    term.keys('Escape');
    await term.see(/─ log/, 'back to the table');

    // The detail view.
    term.keys('i');
    await term.see(`▌ detail ${t.id}`, 'the detail view');
    const detail = term.screen();
    expect(detail).toMatch(/status\s+✔ completed/);
    expect(detail).toMatch(/command\s+sh -c 'for i in/);
    expect(detail).toMatch(/ended\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(/);
    expect(detail).toMatch(/exit\s+exit code 0/);
    expect(detail).toMatch(/eta\s+none now \(ended\)/);
    term.keys('Escape');
    await term.see(/─ log/, 'back to the table');

    // Sort: newest first, then by status (failures first).
    const rowOrder = () =>
      term
        .screen()
        .split('\n')
        .filter((l) => /^[› ] \w{8}\s/.test(l))
        .map((l) => l.slice(2, 10));
    expect(rowOrder()).toEqual([old.id, t.id]);
    term.keys('s');
    await term.see('sort: newest first');
    expect(rowOrder()).toEqual([t.id, old.id]);
    term.keys('s');
    await term.see('sort: by status');
    expect(rowOrder()).toEqual([old.id, t.id]);

    // The pager, twice (the second time the frame before it is the same as after it, and the
    // pager ends with a Ctrl+C to its process group, as less does when you press it: the dashboard's too).
    term.keys('g');
    await term.see(`› ${old.id}`);
    term.keys('j');
    await term.see(`› ${t.id}`);
    const full = term.screen();
    for (const round of [1, 2]) {
      term.keys('o');
      await waitFor(
        () => (existsSync(seen) && readFileSync(seen, 'utf8').split('\n').filter(Boolean).length === round) || undefined,
        `pager run ${round}`,
      );
      // At once, not when a message fades: the screen was cleared, and Ink draws only what changed.
      await term.see(`back from ${stub}`, 'the dashboard back', 3000);
      // While it ran: the main screen, cursor shown, the terminal not raw (canonical, echo).
      const [file, state, modes] = readFileSync(seen, 'utf8').split('\n').filter(Boolean)[round - 1]!.split('|');
      // A read-only copy of the log, in a folder of its own, gone once the pager is done.
      expect(file).toMatch(new RegExp(`^${tmpdir()}/dev-tools-log-[^/]+/${t.id}\\.log$`));
      expect(existsSync(file!)).toBe(false);
      expect(state).toBe('0 1');
      expect(modes!.trim().split(' ').sort()).toEqual(['echo', 'icanon']);
      // Back: the alternate screen, cursor hidden, every part of the dashboard drawn again.
      await waitFor(() => paneState() === '1 0' || undefined, 'alternate screen on, cursor hidden');
      const screen = await term.see(/[?] help/, 'the footer');
      expect(screen).not.toContain('PAGER-WAS-HERE');
      for (const part of ['dev-tools  running 0/10', `› ${t.id}`, old.id, 'needle three', 'sort: by status'])
        expect(screen).toContain(part);
      expect(screen.split('\n').filter((l) => l.trim()).length).toBeGreaterThanOrEqual(full.split('\n').filter((l) => l.trim()).length);
    }
    // Raw mode is back: single keys act at once.
    term.keys('?');
    await term.see('Keys (', 'the help');
    term.keys('Escape', 'q');
    await waitFor(() => paneState() === '0 1' || undefined, 'the terminal restored on quit');
  });
});

describe('the installed demo', () => {
  it('r on the failed demo task runs it again; the new run completes and shows so', async () => {
    // A limit the demo keeps (a user may set it): all seven demo tasks run at once, so the
    // restart starts at once instead of queueing behind the demo's longest builds (~15 s).
    writeConfig({ maxParallelTasks: 8 });
    term.open(devTools('demo'), 120, 30, h.home);
    const failed = await findTask((t) => t.description === 'Rate limiter' && t.status === 'failed', 'the demo task that fails');
    await term.see(new RegExp(`${failed.id}.*failed`), 'the failure on screen', 20_000);
    term.keys('j');
    await term.see(`› ${failed.id}`, 'the failed task selected');
    term.keys('r');
    const again = await findTask((t) => t.restartOf === failed.id, 'the restarted task');
    await term.see(again.id, 'the new task on screen');
    const done = await h.waitForStatus(again.id, ['completed', 'failed', 'interrupted'], 90_000);
    expect(done.status, h.log(again.id)).toBe('completed');
    await term.see(new RegExp(`${again.id}.*✔ completed`), 'the second run completed on screen', 10_000);
    expect(h.log(again.id)).toContain('all integration tests passed');
    // The worktree project, on the git repo the demo made: its tasks changed their own worktrees.
    const agent = await findTask((t) => t.project === 'demo-agents' && t.status === 'completed', 'a demo worktree task done');
    expect(agent.worktree?.branch).toBe(`dev-tools/${agent.id}`);
    expect(agent.diff).toEqual({ files: 2, insertions: 7, deletions: 0 });
  });
});

describe('the installed dashboard and a worktree project', () => {
  it('shows the DIFF column, and d shows the diff in colour in the log pane', async () => {
    const repo = makeRepo(join(h.home, 'repo'), { 'app.txt': 'one\ntwo\n' });
    writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree' } } });
    const t = h.sh('web', "sed -i 's/two/TWO/' app.txt; echo added > new.txt; echo edited-in-worktree");
    const done = await h.waitForStatus(t.id, ['completed', 'failed']);
    expect(done.diff).toEqual({ files: 2, insertions: 2, deletions: 1 });
    term.open(`${devTools('ui', { NO_COLOR: '' })}; echo "UI-EXIT:$?"`);
    term.keys('a');
    await term.see(/DIFF/, 'the DIFF column', 20_000);
    await term.see(new RegExp(`${t.id}.*\\+2 -1 2f`), 'the counts of the task');
    await term.see('edited-in-worktree', 'its log');
    term.keys('d');
    await term.see('▌ diff', 'the diff view');
    await term.see(/^\+TWO/m, 'the changed line');
    await term.see(/^\+\+\+ b\/new\.txt/m, 'the untracked file');
    // Added lines green, removed lines red.
    const coloured = term.tmux('capture-pane', '-p', '-e', '-t', 'ui');
    expect(coloured).toMatch(/\x1b\[32m\+TWO/);
    expect(coloured).toMatch(/\x1b\[31m-two/);
    term.keys('d');
    await term.see('▌ log', 'back to the log');
    term.keys('Escape', 'q');
    await term.see('UI-EXIT:0', 'the dashboard to exit');
    expect(readFileSync(join(repo, 'app.txt'), 'utf8')).toBe('one\ntwo\n');
  });

  it('dev-tools diff on a terminal goes through $PAGER in colour, and names the branch to merge', async () => {
    const repo = makeRepo(join(h.home, 'repo'), { 'app.txt': 'one\n' });
    writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree' } } });
    const t = h.sh('web', 'echo two >> app.txt');
    await h.waitForStatus(t.id, ['completed']);
    const paged = join(h.home, 'paged.txt');
    term.open(`${devTools(`diff ${t.id}`, { NO_COLOR: '', PAGER: `cat > '${paged}'` })}; echo "DIFF-EXIT:$?"`);
    await term.see('DIFF-EXIT:0', 'the diff command to end', 20_000);
    // The line wraps at 120 columns: read it whole.
    expect(term.screen().replace(/\n/g, '')).toContain(`git merge dev-tools/${t.id}`);
    const text = readFileSync(paged, 'utf8');
    // Git's colours: the added line green (the + and the text may be painted apart).
    expect(text).toMatch(/\x1b\[32m\+(\x1b\[m\x1b\[32m)?two/);
    expect(text).toContain('app.txt');
  });
});

describe('the installed cancel picker in a real terminal', () => {
  it('fits 80x10 with 14 tasks, lists them by creation time, and leaves nothing on screen after Esc', async () => {
    // Ids in the reverse order of creation: sorted by id, the list would be upside down.
    const ids = Array.from({ length: 14 }, (_, i) => `q${String(14 - i).padStart(7, '0')}`);
    ids.forEach((id, i) => taskFile(id, { status: 'queued', createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() }));
    term.open(`echo BEFORE; ${devTools('cancel')}; echo "PICK-EXIT:$?"`, 80, 10, h.home);
    const screen = await term.see('Cancel which task?', 'the picker', 20_000);
    const rows = screen.split('\n').filter((l) => /q\d{7}/.test(l));
    expect(rows[0]).toContain('q0000014');
    expect(rows[1]).toContain('q0000013');
    term.keys('j', 'j', 'j', 'j', 'j', 'j', 'j', 'j', 'j', 'j');
    await term.see('❯ q0000004', 'the 11th task selected, in view');
    expect(term.screen()).toContain('Cancel which task? (11/14)');
    term.keys('Escape');
    await term.see('PICK-EXIT:0', 'the picker to leave');
    expect(term.screen()).not.toMatch(/Cancel which task|q\d{7}/);
    expectBundledUi('run-picker');
  });

  it('Enter cancels the chosen task', async () => {
    const t = h.sh('web', 'sleep 60');
    await waitFor(() => h.task(t.id).pid || undefined, 'the task to run');
    term.open(`${devTools('cancel')}; echo "PICK-EXIT:$?"`, 100, 20);
    await term.see(t.id, 'the picker', 20_000);
    term.keys('Enter');
    await term.see('PICK-EXIT:0', 'the cancel to finish', 30_000);
    expect(term.screen()).toContain(`cancelled ${t.id}`);
    expect(h.task(t.id).status).toBe('cancelled');
  });

  it('refuses without a terminal, pointing to status', () => {
    const r = h.run(['ui']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dev-tools: ui needs an interactive terminal; use dev-tools status\n');
  });
});
