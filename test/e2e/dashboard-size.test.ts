// The installed dashboard at the sizes people have, and as the terminal changes size:
// every frame after a resize (and after Ctrl+L) is drawn whole, and at 80x24 the table,
// the header and the footer keep what matters.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSync, closeSync, writeSync } from 'node:fs';
import { Harness } from '../integration/harness.js';
import { closeSession, DashboardKit, frameProblem, seeWholeFrame, openSession } from './dashboard-kit.js';
import { installedPackage } from './installed.js';
import { Terminal } from './terminal.js';

const pkg = installedPackage();

let h: Harness;
let term: Terminal;
let kit: DashboardKit;
beforeEach(() => ({ h, term, kit } = openSession(pkg)));
afterEach(() => closeSession({ h, term }));

/** Writes to the pane's terminal behind the dashboard's back, as a stray process would. */
function scribble(tty: string, text: string): void {
  const fd = openSync(tty, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

describe('the installed dashboard as the terminal changes size', () => {
  it('after widening and narrowing again the frame is drawn whole, the table or the log pane focused', async () => {
    const failed = h.sh('api', 'echo bad; exit 3');
    await h.waitForStatus(failed.id, ['failed']);
    // Output all the time: the rows that change are redrawn anyway; the header never changes.
    const t = h.sh('web', 'i=0; while [ $i -lt 600 ]; do i=$((i+1)); echo "line $i of a running task"; sleep 0.2; done');
    term.open(kit.devTools('ui'), 100, 30);
    await term.see(`› ${t.id}`, 'the running task', 20_000);
    term.keys('a');
    await term.see(failed.id, 'the finished task too');
    term.keys('G');
    await term.see(`› ${t.id}`, 'the running task selected');
    await seeWholeFrame(term, 30, 'the first frame');

    for (const focus of ['table', 'log'] as const) {
      if (focus === 'log') {
        term.keys('Enter');
        await term.see('▌ log', 'the log pane focused');
      }
      term.resize(200, 30);
      await seeWholeFrame(term, 30, `the frame at 200x30 (${focus})`);
      term.resize(100, 30);
      const screen = await seeWholeFrame(term, 30, `the frame at 100x30 again (${focus})`);
      expect(screen).toContain(`› ${t.id}`);
      expect(screen.split('\n').every((l) => l.length <= 100)).toBe(true);
      // Keys still reach the view that shows.
      if (focus === 'table') {
        term.keys('k');
        await term.see(`› ${failed.id}`);
        term.keys('j');
        await term.see(`› ${t.id}`);
      } else {
        term.keys('?');
        await term.see('Keys (', 'the help, from the log pane');
        term.keys('Escape');
        await term.see('▌ log', 'back in the log pane');
      }
    }
  });

  it('fewer rows, then more: each frame fills the new height, the footer on its last line', async () => {
    for (let i = 1; i <= 4; i++) kit.taskFile(`done000${i}`, { createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() });
    term.open(kit.devTools('ui'), 120, 30);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('a');
    await term.see('1/4');
    term.resize(90, 16);
    await seeWholeFrame(term, 16, 'the frame at 90x16');
    term.resize(130, 40);
    await seeWholeFrame(term, 40, 'the frame at 130x40');
  });

  it('Ctrl+L draws the screen again whole: what another process wrote over it goes', async () => {
    for (let i = 1; i <= 3; i++) kit.taskFile(`done000${i}`, { createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() });
    term.open(kit.devTools('ui'), 100, 24);
    await term.see('no active tasks', 'the dashboard', 20_000);
    term.keys('a');
    await term.see('1/3');
    const before = await seeWholeFrame(term, 24, 'the frame');
    // Nothing runs: no frame comes by itself, only the redraw can clean this up.
    scribble(term.tty(), '\x1b[1;1HSTRAY-OUTPUT-1\x1b[12;30HSTRAY-OUTPUT-2\x1b[24;1HSTRAY-OUTPUT-3');
    await term.see('STRAY-OUTPUT-3', 'the stray output on screen');
    expect(frameProblem(term.screen(), 24)).not.toBeNull();
    term.keys('C-l');
    const after = await seeWholeFrame(term, 24, 'the frame drawn again');
    expect(after).not.toContain('STRAY-OUTPUT');
    expect(after).toBe(before);
  });
});
describe('the installed dashboard at 80x24', () => {
  it('the description keeps 24 cells, the footer its help and quit keys, the header where the selection is', async () => {
    kit.writeConfig({});
    const long = 'Migrate the billing service to the new queue';
    const ids: string[] = [];
    for (const [project, description, status] of [
      ['web', long, 'completed'],
      ['api', 'Rate limiter for the public endpoints', 'failed'],
      ['web', 'Nightly build of everything', 'cancelled'],
    ] as const) {
      const t = kit.taskFile(`t${ids.length}aaaaaa`, {
        project,
        description,
        status,
        createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, ids.length)).toISOString(),
        startedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, ids.length)).toISOString(),
        completedAt: new Date(Date.UTC(2024, 0, 1, 0, 5, ids.length)).toISOString(),
        exitCode: status === 'completed' ? 0 : status === 'failed' ? 3 : null,
      });
      ids.push(t.id);
    }
    const running = h.sh('web', 'echo "::progress 40"; sleep 60');
    term.open(kit.devTools('ui'), 80, 24);
    await term.see(`› ${running.id}`, 'the dashboard', 20_000);
    term.keys('a');
    const screen = await term.see('1/4', 'all four tasks, the first selected');
    expect(frameProblem(screen, 24)).toBeNull();
    const lines = screen.split('\n');
    // The header ends with where the selection is.
    expect(lines[0]).toMatch(/ 1\/4$/);
    // The footer keeps the help and quit keys.
    expect(lines[22]).toMatch(/\? help {2}q quit$/);
    // The description column starts at least 24 cells from the right edge, and shows that much.
    const at = lines[1]!.indexOf('DESCRIPTION');
    expect(at).toBeGreaterThan(0);
    expect(80 - at).toBeGreaterThanOrEqual(24);
    const row = lines.find((l) => l.includes(ids[0]!))!;
    expect(row.slice(at)).toContain(long.slice(0, 23));
    // Status words and projects take what they need, no more: every row tells its status.
    for (const word of ['▶ running', '✔ done', '✖ failed', '■ stopped']) expect(screen).toContain(word);
    term.keys('G');
    await term.see(/ 4\/4$/m, 'the position counter follows the selection');
  });
});
