import { describe, expect, it } from 'vitest';
import inkOutput from '../../bin/patches/ink-output.mjs';
import { bundled, installed } from './bundle.js';

interface Output {
  write(x: number, y: number, text: string, options: { transformers: unknown[] }): void;
  clip(clip: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
  unclip(): void;
  get(): { output: string; height: number };
}
type OutputModule = { default: new (size: { width: number; height: number }) => Output };
const load = (patched: boolean) =>
  bundled<OutputModule>(`export { default } from ${installed('ink/build/output.js')};`, patched ? [inkOutput] : []);

/** A frame of a dashboard: rows of styled text, a clipped pane, wide characters; `n` changes a few rows. */
function paint(Output: OutputModule['default'], n: number): string {
  const out = new Output({ width: 40, height: 12 });
  const none = { transformers: [] };
  out.write(0, 0, `\x1b[1mdev-tools\x1b[22m running ${n % 3}/4`, none);
  for (let row = 1; row < 8; row++) {
    const status = (row + n) % 4 === 0 ? '\x1b[31m✖ failed\x1b[39m' : '\x1b[36m● running\x1b[39m';
    out.write(0, row, `${row === 1 + (n % 7) ? '›' : ' '} t000000${row}  ${status}  ${'█'.repeat((row * n) % 10)}`, none);
  }
  out.clip({ x1: 2, x2: 30, y1: 8, y2: 11 });
  out.write(0, 8, `a log line that is longer than the pane is wide, frame ${n}`, none);
  out.write(2, 9, '日本語のログ', none);
  out.write(2, 10, `short ${n}`, none);
  out.unclip();
  out.write(0, 11, '\x1b[2mq quit · ? help\x1b[22m', none);
  return out.get().output;
}

describe("Ink's output, with caches kept across frames and the last frame's rows reused", () => {
  it('makes the same frames as the published Ink, frame after frame', async () => {
    const [patched, published] = await Promise.all([load(true), load(false)]);
    for (const n of [0, 1, 1, 2, 5, 5, 5, 9, 0, 13]) expect(paint(patched.default, n), `frame ${n}`).toBe(paint(published.default, n));
  });
});
