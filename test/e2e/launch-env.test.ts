import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, Harness, waitFor } from '../integration/harness.js';

// A real terminal: tmux on its own socket (see dashboard.test.ts).
const socket = `dev-tools-e2e-env-${process.pid}`;
function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`tmux is required for the end-to-end test (apt-get install tmux): ${r.error.message}`);
  return r.stdout;
}
const screen = () => tmux('capture-pane', '-p', '-t', 'ui');

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  h.cleanup();
});

describe('a task launched from the dashboard (#11)', () => {
  it("runs with the environment of the shell that opened the dashboard, not the dashboard's own changes (CI, NODE_ENV)", async () => {
    const out = join(h.home, 'env.txt');
    // NODE_ENV unset and CI=true in the shell: the UI hides CI and sets NODE_ENV while Ink loads.
    tmux(
      'new-session', '-d', '-s', 'ui', '-x', '120', '-y', '30',
      `cd '${h.home}' && unset NODE_ENV; DEV_TOOLS_HOME='${h.home}' CI=true FROM_SHELL=yes NO_COLOR=1 '${process.execPath}' '${BIN}' ui; sleep 600`,
    );
    await waitFor(() => (screen().includes('n launches one') ? true : undefined), 'the dashboard', 20_000);
    tmux('send-keys', '-t', 'ui', 'n');
    await waitFor(() => (screen().includes('other command') ? true : undefined), 'the project picker', 5000);
    tmux('send-keys', '-t', 'ui', 'Enter');
    await waitFor(() => (/Project name/i.test(screen()) ? true : undefined), 'the project name', 5000);
    tmux('send-keys', '-t', 'ui', 'Enter');
    await waitFor(() => (screen().includes('what this run is for') ? true : undefined), 'the description', 5000);
    tmux('send-keys', '-t', 'ui', '-l', 'env check');
    await waitFor(() => (screen().includes('Description: env check') ? true : undefined), 'the description typed', 5000);
    tmux('send-keys', '-t', 'ui', 'Enter');
    await waitFor(() => (screen().includes('Command (sh -c)') ? true : undefined), 'the command', 5000);
    tmux('send-keys', '-t', 'ui', '-l', `env > ${out}`);
    await waitFor(() => (screen().includes('env.txt') ? true : undefined), 'the command typed', 5000);
    tmux('send-keys', '-t', 'ui', 'Enter');
    const env = await waitFor(() => {
      try {
        const text = readFileSync(out, 'utf8');
        return text.includes('DEV_TOOLS_TASK_ID=') ? text : undefined;
      } catch {
        return undefined;
      }
    }, 'the launched command to write its environment', 20_000);
    const vars = env.split('\n');
    expect(vars).toContain('FROM_SHELL=yes');
    expect(vars).toContain('CI=true');
    expect(vars.some((v) => v.startsWith('NODE_ENV='))).toBe(false);
    tmux('send-keys', '-t', 'ui', 'q');
  });
});
