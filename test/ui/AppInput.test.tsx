// The dashboard's keys, paste, messages and live state, against a real state
// directory with task files written directly (no worker runs: the actions are fakes
// that record what they are asked).
// Over 250 lines: the scenarios of one area; they share one set-up, so they stay together.
import { cleanup, render } from 'ink-testing-library';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardActions, LaunchSpec } from '../../components/actions.js';
import { App } from '../../components/App.js';
import type { Task } from '../../src/core/task.js';
import type { Config } from '../../src/store/config.js';
import { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, waitFor } from '../fixtures/index.js';
import { KEYS, recordingActions, screen } from './helpers.js';

let home: string;
let store: TaskStore;
let launched: LaunchSpec[];
let actions: DashboardActions;
const config: Config = makeConfig({
  maxParallelTasks: 4,
  cancelGraceMs: 500,
  projects: { pipe: { env: {}, stages: [{ name: 'only', run: 'true' }] } },
});

beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-input-'));
  launched = [];
  actions = recordingActions(launched);
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

/** `count` queued tasks, created a second apart, ids t0000001… in creation order. */
function queued(count: number, fields: Partial<Task> = {}): Task[] {
  return Array.from({ length: count }, (_, i) => {
    const t = makeTask({
      id: `t${String(i + 1).padStart(7, '0')}`,
      status: 'queued',
      createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
      ...fields,
    });
    writeFileSync(store.activePath(t.id), JSON.stringify(t));
    return t;
  });
}

function mount(props: { messageMs?: number; rows?: number } = {}) {
  const ui = render(
    <App
      store={store}
      config={config}
      actions={actions}
      size={{ columns: 100, rows: props.rows ?? 30 }}
      scheduleEveryMs={60_000}
      messageMs={props.messageMs}
    />,
  );
  const { frame, see } = screen(ui);
  const gone = (text: string, timeoutMs = 5000) => waitFor(() => !frame().includes(text), `screen to drop ${text}`, timeoutMs, frame);
  const footer = () => frame().split('\n').filter(Boolean).at(-1) ?? '';
  return { ...ui, frame, see, gone, footer };
}

describe('keys in one chunk', () => {
  it('ten j in one write move ten rows (tmux send-keys, key repeat)', async () => {
    queued(12);
    const ui = mount();
    await ui.see('1/12');
    ui.stdin.write('jjjjjjjjjj');
    await ui.see('11/12');
    await ui.see('› t0000011');
    ui.stdin.write('kkkkk');
    await ui.see('6/12');
  });

  it('thirty k written back to back, faster than frames, move thirty rows', async () => {
    queued(40);
    const ui = mount();
    await ui.see('1/40');
    ui.stdin.write('G');
    await ui.see('40/40');
    for (let i = 0; i < 30; i++) ui.stdin.write('k');
    await ui.see('10/40');
    // One more key, handled after them all: one more row, so none of the thirty was counted twice or lost.
    ui.stdin.write('k');
    await ui.see('9/40');
  });

  it('a key after a move acts on the row the move reached (j then c in one write)', async () => {
    queued(3);
    const ui = mount();
    await ui.see('1/3');
    ui.stdin.write('jc');
    await ui.see('Cancel t0000002');
  });

  it('PgDn and PgUp move a page of rows; the header says where the selection is', async () => {
    queued(40);
    const ui = mount();
    await ui.see('1/40');
    ui.stdin.write(KEYS.pageDown);
    await ui.see(/\s([2-9]|\d\d)\/40/);
    expect(Number(/\s(\d+)\/40/.exec(ui.frame())![1])).toBeGreaterThan(5);
    ui.stdin.write(KEYS.pageUp);
    await ui.see('1/40');
  });

  it('a paste in the table is not taken for keys', async () => {
    queued(3);
    const ui = mount();
    await ui.see('1/3');
    ui.stdin.write('\x1b[200~jjc\x1b[201~');
    // A key after the paste, handled after it: from the first row to the second, and no dialog.
    ui.stdin.write('j');
    await ui.see('2/3');
    expect(ui.frame()).not.toContain('Cancel');
  });
});

describe('the launch form', () => {
  const toDescription = async (ui: ReturnType<typeof mount>) => {
    ui.stdin.write('n');
    await ui.see('other command…');
    ui.stdin.write(KEYS.down);
    await ui.see('❯ other command…');
    ui.stdin.write(KEYS.enter);
    await ui.see('Project name: adhoc');
    ui.stdin.write(KEYS.enter);
    await ui.see('Description:');
  };

  it('a pasted newline becomes a space, visibly, and never lands in the next field', async () => {
    const ui = mount();
    await toDescription(ui);
    ui.stdin.write('first line\rsecond line');
    await ui.see('Description: first line second line');
    await ui.see('a pasted newline became a space');
    ui.stdin.write(KEYS.enter);
    await ui.see('Command (sh -c):');
    // Typed and Enter in one chunk: the text goes in this field, the Enter submits it.
    ui.stdin.write('echo one\r');
    await waitFor(() => launched[0], 'the launch');
    expect(launched).toEqual([{ project: 'adhoc', description: 'first line second line', command: ['sh', '-c', 'echo one'] }]);
  });

  it('a bracketed paste ending in a newline stays in the field', async () => {
    const ui = mount();
    await toDescription(ui);
    ui.stdin.write('\x1b[200~pasted text\r\x1b[201~');
    await ui.see('Description: pasted text');
    // A key typed after it lands in the same field, after the space the pasted newline became: it submitted nothing.
    ui.stdin.write('!');
    await ui.see('Description: pasted text !');
    expect(ui.frame()).not.toContain('Command (sh -c)');
    expect(launched).toEqual([]);
  });

  it('typed ahead in one chunk: each key reaches the step it was meant for', async () => {
    const ui = mount();
    ui.stdin.write('n');
    await ui.see('pipe  (1 stage)');
    ui.stdin.write('\r\rbuild it\r');
    await waitFor(() => launched[0], 'the launch');
    expect(launched).toEqual([{ project: 'pipe', description: 'build it', command: null }]);
    // In the words of `dev-tools task` (launchState).
    await ui.see('launched new00001 (pipe: build it) — queued: 0/4 running, 1st in line');
  });

  it('keeps the project chosen when config.json changes under it (a project added above it)', async () => {
    writeFileSync(join(home, 'config.json'), JSON.stringify({ projects: { pipe: { stages: [{ name: 'only', run: 'true' }] }, web: {} } }));
    const ui = mount();
    ui.stdin.write('n');
    await ui.see('web  (command)');
    ui.stdin.write(KEYS.down);
    await ui.see('❯ web  (command)');
    writeFileSync(
      join(home, 'config.json'),
      JSON.stringify({ projects: { api: {}, pipe: { stages: [{ name: 'only', run: 'true' }] }, web: {} } }),
    );
    await ui.see('api  (command)');
    expect(ui.frame()).toContain('❯ web  (command)');
    ui.stdin.write(KEYS.enter);
    await ui.see('· project web');
    ui.stdin.write('for the web');
    await ui.see('Description: for the web');
    ui.stdin.write(KEYS.enter);
    await ui.see('Command (sh -c):');
    ui.stdin.write('echo web\r');
    await waitFor(() => launched[0], 'the launch', 5000, ui.frame);
    expect(launched).toEqual([{ project: 'web', description: 'for the web', command: ['sh', '-c', 'echo web'] }]);
  });

  it('the footer shows the keys of the step: choosing, then typing', async () => {
    const ui = mount();
    ui.stdin.write('n');
    await ui.see('other command…');
    expect(ui.footer()).toContain('↑/↓ choose');
    ui.stdin.write(KEYS.enter);
    await ui.see('Run:');
    expect(ui.footer()).toContain('↑/↓ choose');
    ui.stdin.write(KEYS.enter);
    await ui.see('Description:');
    await waitFor(() => ui.footer().includes('Enter next'), 'the typing keys in the footer', 3000, ui.frame);
    expect(ui.footer()).toContain('←/→ cursor');
    expect(ui.footer()).not.toContain('choose');
  });

  it('edits with ←, → and Backspace', async () => {
    const ui = mount();
    ui.stdin.write('n');
    await ui.see('pipe  (1 stage)');
    ui.stdin.write(KEYS.enter);
    await ui.see('Run:');
    ui.stdin.write(KEYS.enter);
    await ui.see('Description:');
    ui.stdin.write('helo');
    await ui.see('Description: helo');
    ui.stdin.write('\x1b[D');
    ui.stdin.write('l');
    await ui.see('Description: hello');
    ui.stdin.write('\x1b[C');
    ui.stdin.write('\x7f');
    await ui.see('Description: hell');
  });
});

describe('messages', () => {
  it('fade after a while, and the next action clears them at once', async () => {
    const ui = mount({ messageMs: 150 });
    await ui.see('no active tasks');
    ui.stdin.write('c');
    await ui.see('no task to cancel');
    await ui.gone('no task to cancel', 3000);
    ui.stdin.write('c');
    await ui.see('no task to cancel');
    ui.stdin.write('j');
    await ui.gone('no task to cancel', 100);
  });
});

describe('live state', () => {
  it('config.json changes reach the header; a bad one is reported and the last good one kept', async () => {
    queued(1);
    const ui = mount();
    await ui.see('running 0/4');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ maxParallelTasks: 7 }));
    await ui.see('running 0/7');
    writeFileSync(join(home, 'config.json'), JSON.stringify({ maxParallelTasks: 'x' }));
    await ui.see('maxParallelTasks must be a positive integer — still using the previous config');
    expect(ui.frame()).toContain('running 0/7');
  });

  it('a finished task removed by clean leaves the screen at once, in both views', async () => {
    const [t] = queued(1, { status: 'running', claimedAt: new Date().toISOString() });
    const old = makeTask({ id: 'old00001', status: 'completed', createdAt: '2023-01-01T00:00:00.000Z' });
    writeFileSync(store.donePath(old.id), JSON.stringify(old));
    const ui = mount();
    await ui.see(t!.id);
    // It finishes while the dashboard is open: it stays in the active view, as completed.
    writeFileSync(store.activePath(t!.id), JSON.stringify({ ...t, status: 'completed', completedAt: new Date().toISOString() }));
    renameSync(store.activePath(t!.id), store.donePath(t!.id));
    await ui.see('✔ completed');
    store.remove(t!.id);
    await ui.gone(t!.id, 1500);
    ui.stdin.write('a');
    await ui.see(old.id);
    store.remove(old.id);
    await ui.gone(old.id, 1500);
  });

  it('a status word filters by status', async () => {
    queued(2);
    writeFileSync(
      store.activePath('run00001'),
      JSON.stringify(makeTask({ id: 'run00001', status: 'running', description: 'no status word here' })),
    );
    const ui = mount();
    await ui.see('run00001');
    ui.stdin.write('/queued');
    await ui.see('/queued');
    await ui.gone('run00001');
    expect(ui.frame()).toContain('t0000001');
    expect(ui.frame()).toContain('t0000002');
  });
});

describe('the log pane says what it did not load', () => {
  it('… N earlier lines not loaded, at the top of a long log', async () => {
    const [t] = queued(1);
    const total = 300_000;
    writeFileSync(store.logPath(t!.id), Array.from({ length: total }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    const ui = mount();
    await ui.see(`line ${total}`);
    ui.stdin.write(KEYS.enter);
    ui.stdin.write('g');
    const note = await waitFor(() => /… ([\d,]+) earlier lines not loaded/.exec(ui.frame()), 'the note', 5000, ui.frame);
    const loaded = Number(/ 1-\d+\/(\d+)/.exec(ui.frame())![1]) - 1;
    expect(Number(note[1]!.replace(/,/g, '')) + loaded).toBe(total);
  });

  it('a line of 20 MB shows its start and says it was cut; the lines before and after it show too', async () => {
    const [one, two] = queued(2);
    const huge = `start-of-it${'x'.repeat(20 * 1024 * 1024)}`;
    writeFileSync(store.logPath(one!.id), `${huge}\n`);
    writeFileSync(store.logPath(two!.id), `first line\nsecond line\n${huge}\nafter\n`);
    const ui = mount();
    await ui.see('[line of 20 MiB cut] start-of-itxxxx');
    ui.stdin.write('j');
    await ui.see('after');
    const lines = ui.frame().split('\n');
    const at = lines.findIndex((l) => l === 'first line');
    expect(lines.slice(at, at + 4).map((l) => l.slice(0, 32))).toEqual(
      ['first line', 'second line', '[line of 20 MiB cut] start-of-itx', 'after'].map((l) => l.slice(0, 32)),
    );
    expect(ui.frame()).not.toContain('not loaded');
  });
});
