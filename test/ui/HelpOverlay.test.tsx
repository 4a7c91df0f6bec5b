import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Footer } from '../../components/Footer.js';
import { helpColumns, HelpOverlay, helpSections } from '../../components/HelpOverlay.js';
import { bindingLabel, footerHints, KEYMAP, MODE_TITLES, MODES } from '../../components/keymap.js';
import { KEYS, tick } from './helpers.js';

afterEach(() => cleanup());

/** Every line the overlay shows, page by page (j until the end), and each frame's height. */
async function readAll(width: number, height: number): Promise<{ lines: string[]; frames: string[] }> {
  const ui = render(<HelpOverlay width={width} height={height} onClose={() => {}} />);
  const frames: string[] = [];
  for (let i = 0; i < 200; i++) {
    await tick();
    frames.push(ui.lastFrame()!);
    if (!ui.lastFrame()!.includes('more below')) break;
    ui.stdin.write('j');
  }
  const lines = new Set<string>();
  for (const f of frames) for (const l of f.split('\n').slice(1)) lines.add(l.trimEnd());
  return { lines: [...lines], frames };
}

describe('HelpOverlay', () => {
  it('lists every binding of the keymap with its description', () => {
    const frame = render(<HelpOverlay width={100} height={100} onClose={() => {}} />).lastFrame()!;
    for (const mode of ['table', 'log', 'search', 'detail', 'launch', 'launchText', 'confirm', 'filter'] as const) {
      for (const b of KEYMAP[mode]) expect(frame).toContain(`${bindingLabel(b).padEnd(16)} ${b.description}`);
    }
    expect(frame).toContain('↑/k');
    expect(frame).toContain('quit (tasks keep running)');
  });

  it('closes with Esc and ?', async () => {
    let closed = 0;
    const { stdin } = render(<HelpOverlay width={100} height={60} onClose={() => closed++} />);
    await tick();
    stdin.write(KEYS.escape);
    await tick();
    stdin.write('?');
    await tick();
    expect(closed).toBe(2);
  });

  it.each([
    [100, 16],
    [70, 11],
  ])('at %ix%i it scrolls and says so; every entry is reachable, whole, headings on their own lines', async (width, height) => {
    const { lines, frames } = await readAll(width, height);
    expect(frames[0]).toMatch(/lines 1-\d+ of \d+ · more below/);
    for (const f of frames) expect(f.split('\n').length).toBeLessThanOrEqual(height);
    for (const mode of ['table', 'log', 'search', 'detail', 'launch', 'launchText', 'confirm', 'filter'] as const) {
      // Two columns side by side when wide: an entry is whole within its half.
      expect(
        lines.some((l) => l.split(/ {3,}/).includes(MODE_TITLES[mode])),
        MODE_TITLES[mode],
      ).toBe(true);
      for (const b of KEYMAP[mode]) {
        const entry = `  ${bindingLabel(b).padEnd(16)} ${b.description}`;
        expect(
          lines.some((l) => l.includes(entry)),
          `${mode}: ${entry}`,
        ).toBe(true);
      }
    }
  });
});

describe('help layout', () => {
  it('goes to two columns only when both fit, split between sections', () => {
    const sections = helpSections();
    expect(helpColumns(sections, 100)).toHaveLength(1);
    const [left, right] = helpColumns(sections, 140);
    expect(right).toBeDefined();
    expect(left!.length + right!.length).toBe(sections.flat().length);
    for (const col of [left!, right!]) {
      expect(col[0]!.title).toBe(true);
      expect(col[col.length - 1]!.title).toBeFalsy();
    }
  });
});

describe('Footer', () => {
  it('shows the keys of the current mode, from the keymap', () => {
    const table = render(<Footer mode="table" />).lastFrame()!;
    expect(table).toContain('↑/↓ move');
    expect(table).toContain('i detail');
    expect(table).toContain('s sort');
    expect(table).toContain('n new');
    expect(table).toContain('q quit');
    const text = render(<Footer mode="launchText" />).lastFrame()!;
    expect(text).toContain('Enter next');
    expect(text).toContain('←/→ cursor');
    expect(text).not.toContain('choose');
    const confirm = render(<Footer mode="confirm" />).lastFrame()!;
    expect(confirm).toContain('y/Y yes');
    expect(confirm).not.toContain('quit');
  });

  it('every mode has hints and no key means two things in one mode', () => {
    for (const mode of MODES) {
      expect(footerHints(mode).length).toBeGreaterThan(0);
      const seen = new Map<string, string>();
      for (const b of KEYMAP[mode]) {
        for (const k of b.keys) {
          const label = JSON.stringify(k);
          expect(seen.get(label) ?? b.action, `${mode}: ${label}`).toBe(b.action);
          seen.set(label, b.action);
        }
      }
    }
  });
});
