import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { UI_PATCHES } from '../../bin/patches/index.mjs';
import inkResize from '../../bin/patches/ink-resize.mjs';
import { waitFor } from '../fixtures/index.js';
import { bundled, installed } from './bundle.js';
import { Screen } from './screen.js';

interface Ink {
  start(stdout: NodeJS.WriteStream): { unmount(): void };
}

/**
 * A full-screen app as the dashboard is (one row short of the terminal, each row as wide
 * as it is), rendered by Ink with `wholeFrameAfterResize` on a fake terminal.
 */
const APP = `
import React, { useEffect, useState } from 'react';
import { Box, render, Text } from ${installed('ink/build/index.js')};
function App({ stdout }) {
  const [size, setSize] = useState({ columns: stdout.columns, rows: stdout.rows });
  useEffect(() => {
    const on = () => setSize({ columns: stdout.columns, rows: stdout.rows });
    stdout.on('resize', on);
    return () => stdout.off('resize', on);
  }, [stdout]);
  const rows = Array.from({ length: size.rows - 1 }, (_, i) => ('row ' + i + ' ').padEnd(size.columns - 1, '.') + '|');
  return React.createElement(Box, { flexDirection: 'column', width: size.columns, height: size.rows - 1, overflow: 'hidden' },
    rows.map((text, i) => React.createElement(Text, { key: i, wrap: 'truncate' }, text)));
}
export function start(stdout) {
  return render(React.createElement(App, { stdout }), {
    stdout, incrementalRendering: true, wholeFrameAfterResize: true, patchConsole: false, exitOnCtrlC: false, maxFps: 1000,
  });
}`;

/** The app's picture at a size (each row ends at the right edge): what the terminal should show. */
const picture = (columns: number, rows: number) => [
  ...Array.from({ length: rows - 1 }, (_, i) => `${`row ${i} `.padEnd(columns - 1, '.')}|`),
  '',
];

class FakeTerminal extends EventEmitter {
  isTTY = true;
  screen: Screen;
  writes: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
    this.screen = new Screen(columns, rows);
  }
  write(data: string): boolean {
    this.writes.push(data);
    this.screen.write(data);
    return true;
  }
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.screen = this.screen.resized(columns, rows);
    this.emit('resize');
  }
}

/** What was written since the `from`-th write, leaving out the writes that only set a mode (synchronized output, the cursor). */
const drawnSince = (term: FakeTerminal, from: number) => term.writes.slice(from).filter((w) => w.replace(/\x1b\[\?\d+[hl]/g, '') !== '');
/** The widest line of text in `writes`, escape sequences aside. */
const widest = (writes: string[]) =>
  Math.max(0, ...writes.flatMap((w) => w.split('\n')).map((line) => line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').length));

let app: { unmount(): void } | null = null;
afterEach(() => app?.unmount());

const loaded = new Map<boolean, Promise<Ink>>();
/** Ink as the build bundles it, or without this patch (CI hidden while it loads, as the dashboard's loader does). */
function loadInk(patched: boolean): Promise<Ink> {
  const load = async () => {
    const ci = process.env.CI;
    delete process.env.CI;
    try {
      return await bundled<Ink>(APP, patched ? UI_PATCHES : UI_PATCHES.filter((p) => p !== inkResize));
    } finally {
      if (ci !== undefined) process.env.CI = ci;
    }
  };
  if (!loaded.has(patched)) loaded.set(patched, load());
  return loaded.get(patched)!;
}

describe('Ink after a resize: a whole frame, drawn at the new size', () => {
  it.each([
    ['narrower', 30, 8],
    ['wider and taller', 50, 10],
    ['shorter', 40, 5],
  ])('%s: the screen shows the app at its new size and nothing of the old frame', async (_, columns, rows) => {
    const term = new FakeTerminal(40, 8);
    app = (await loadInk(true)).start(term as unknown as NodeJS.WriteStream);
    await waitFor(
      () => term.screen.text().join('\n') === picture(40, 8).join('\n'),
      'the first frame',
      5000,
      () => term.screen.text().join('\n'),
    );
    const before = term.writes.length;
    term.resize(columns, rows);
    await waitFor(
      () => term.screen.text().join('\n') === picture(columns, rows).join('\n'),
      'the frame at the new size',
      5000,
      () => term.screen.text().join('\n'),
    );
    // Drawn once, whole, from the top left corner; nothing at the old size after the resize.
    const drawn = drawnSince(term, before);
    expect(drawn[0]!.startsWith('\x1b[1;1H')).toBe(true);
    expect(widest(drawn)).toBeLessThanOrEqual(columns);
  });

  it('the published Ink draws the old, wider frame first after the terminal narrows (a terminal wraps it)', async () => {
    const term = new FakeTerminal(40, 8);
    app = (await loadInk(false)).start(term as unknown as NodeJS.WriteStream);
    await waitFor(() => term.screen.text().join('\n') === picture(40, 8).join('\n'), 'the first frame', 5000);
    const before = term.writes.length;
    term.resize(30, 8);
    await waitFor(() => term.screen.text().join('\n') === picture(30, 8).join('\n'), 'the frame at the new size', 5000);
    expect(widest(drawnSince(term, before))).toBe(40);
  });
});
