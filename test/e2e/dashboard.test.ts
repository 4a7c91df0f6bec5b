import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Harness, HEAVY_MODULE, RECORD_IMPORTS, waitFor } from '../integration/harness.js';

// A real terminal: tmux on its own socket. .ci/run installs tmux; without it this fails, never skips silently.
const socket = `dev-tools-e2e-${process.pid}`;

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`tmux is required for the end-to-end test (apt-get install tmux): ${r.error.message}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', 'ui');

// The CLI as a user runs it, recording every module it loads (test/fixtures/record-imports.mjs).
const cli = () => `'${process.execPath}' --import '${RECORD_IMPORTS}' '${BIN}'`;
const recordTo = () => join(h.home, 'imports.txt');
/** The UI came from the bundle in dist/ui: Ink, React and their packages were not loaded file by file. */
function expectBundledUi(entry: string): void {
  const loaded = readFileSync(recordTo(), 'utf8');
  expect(loaded).toContain(`dist/ui/${entry}.js`);
  expect(loaded.split('\n').filter((u) => HEAVY_MODULE.test(u))).toEqual([]);
}

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  h.cleanup();
});

describe('dashboard in a real terminal', () => {
  it('shows tasks live, cancels with c y, quits with q and restores the terminal', async () => {
    const first = h.sh('web', 'echo hello-e2e; sleep 60');
    // CI=true on purpose: the dashboard decides from the TTY, not from CI.
    const env = `DEV_TOOLS_HOME='${h.home}' CI=true NO_COLOR=1 RECORD_IMPORTS_TO='${recordTo()}'`;
    tmux(
      'new-session', '-d', '-s', 'ui', '-x', '120', '-y', '30',
      `echo BEFORE-UI; ${env} ${cli()} ui; echo "UI-EXIT:$?"; sleep 600`,
    );
    await waitFor(() => (screen().includes(first.id) && screen().includes('running') ? true : undefined), 'the first task on screen', 20_000);
    expect(screen()).not.toContain('BEFORE-UI'); // alternate screen
    // NO_COLOR: no foreground colours on screen (capture with escapes kept).
    expect(tmux('capture-pane', '-p', '-e', '-t', 'ui')).not.toMatch(/\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7])(?:;[0-9;]*)?m/);
    await waitFor(() => (screen().includes('hello-e2e') ? true : undefined), 'its log in the log pane', 10_000);

    // Launched from another shell, it appears by itself.
    const second = h.sh('api', 'echo second; sleep 60');
    await waitFor(() => (screen().includes(second.id) ? true : undefined), 'the second task to appear', 10_000);

    tmux('send-keys', '-t', 'ui', 'G');
    await waitFor(() => (screen().includes(`› ${second.id}`) ? true : undefined), 'the second task to be selected', 5000);
    tmux('send-keys', '-t', 'ui', 'c');
    await waitFor(() => (/cancel/i.test(screen()) && /y\/N/i.test(screen()) ? true : undefined), 'the confirm question', 5000);
    tmux('send-keys', '-t', 'ui', 'y');
    await h.waitForStatus(second.id, ['cancelled'], 30_000);
    await waitFor(() => (screen().includes('cancelled') ? true : undefined), 'the cancel on screen', 10_000);
    expect(h.task(first.id).status).toBe('running');

    tmux('send-keys', '-t', 'ui', 'q');
    await waitFor(() => (screen().includes('UI-EXIT:0') ? true : undefined), 'the dashboard to exit', 10_000);
    const after = screen();
    expect(after).toContain('BEFORE-UI'); // back on the normal screen, as it was
    expect(after).not.toContain(first.id);
    expectBundledUi('run-dashboard');
  });

  it('cancel without an id offers a picker in a terminal', async () => {
    const t = h.sh('web', 'sleep 60');
    await waitFor(() => h.task(t.id).pid || undefined, 'the task to run');
    tmux(
      'new-session', '-d', '-s', 'ui', '-x', '100', '-y', '20',
      `DEV_TOOLS_HOME='${h.home}' CI=true NO_COLOR=1 RECORD_IMPORTS_TO='${recordTo()}' ${cli()} cancel; echo "PICK-EXIT:$?"; sleep 600`,
    );
    await waitFor(() => (screen().includes('Cancel which task?') && screen().includes(t.id) ? true : undefined), 'the picker', 20_000);
    tmux('send-keys', '-t', 'ui', 'Enter');
    await waitFor(() => (screen().includes('PICK-EXIT:0') ? true : undefined), 'the cancel to finish', 30_000);
    expect(screen()).toContain(`cancelled ${t.id}`);
    expect(h.task(t.id).status).toBe('cancelled');
    expectBundledUi('run-picker');
  });

  it('refuses without a terminal, pointing to status', () => {
    const r = h.run(['ui']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dev-tools: ui needs an interactive terminal; use dev-tools status\n');
  });
});
