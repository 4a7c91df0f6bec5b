import { describe, expect, it } from 'vitest';
import inkLogUpdate from '../../bin/patches/ink-log-update.mjs';
import { bundled, installed } from './bundle.js';
import { Screen } from './screen.js';

interface Render {
  (frame: string): boolean;
  redrawWhole?: () => void;
}
type LogUpdate = { default: { create(stream: { write(s: string): void }, opts: { incremental: boolean }): Render } };
const load = (patched: boolean) =>
  bundled<LogUpdate>(`export { default } from ${installed('ink/build/log-update.js')};`, patched ? [inkLogUpdate] : []);

/** A full-screen app's frames (one row short of the terminal, each ending in a newline) drawn on a 30x6 screen. */
function draw(logUpdate: LogUpdate, frames: string[], whole: number[] = []): { screen: Screen; writes: string[] } {
  const screen = new Screen(30, 6);
  const writes: string[] = [];
  const render = logUpdate.default.create(
    {
      write: (s) => {
        writes.push(s);
        screen.write(s);
      },
    },
    { incremental: true },
  );
  frames.forEach((frame, i) => {
    if (whole.includes(i)) render.redrawWhole!();
    render(frame);
  });
  return { screen, writes };
}

const frame = (n: number) => `header ${n}\nrow one\nrow two ${n}\nrow three\nfooter\n`;

describe("Ink's incremental renderer", () => {
  it('redraws in place frame after frame that end in a newline (the published one slides down a row each time)', async () => {
    const [patched, published] = await Promise.all([load(true), load(false)]);
    const frames = [1, 2, 3, 4].map(frame);
    expect(draw(patched, frames).screen.text()).toEqual([...frame(4).split('\n')]);
    expect(draw(published, frames).screen.text()).not.toEqual([...frame(4).split('\n')]);
  });

  it('draws a frame whole when asked: from the top left corner, every row, the rest erased', async () => {
    const patched = await load(true);
    const { screen, writes } = draw(patched, [frame(1), frame(2), 'short\n'], [2]);
    expect(writes.at(-1)!.startsWith('\x1b[1;1H')).toBe(true);
    expect(screen.text()).toEqual(['short', '', '', '', '', '']);
  });
});
