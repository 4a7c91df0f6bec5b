import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Footer } from '../../components/Footer.js';
import { HelpOverlay } from '../../components/HelpOverlay.js';
import { bindingLabel, footerHints, KEYMAP, MODES } from '../../components/keymap.js';
import { KEYS, tick } from './helpers.js';

afterEach(() => cleanup());

describe('HelpOverlay', () => {
  it('lists every binding of the keymap with its description', () => {
    const frame = render(<HelpOverlay height={60} onClose={() => {}} />).lastFrame()!;
    for (const mode of ['table', 'log', 'launch', 'confirm', 'filter'] as const) {
      for (const b of KEYMAP[mode]) expect(frame).toContain(`${bindingLabel(b).padEnd(16)} ${b.description}`);
    }
    expect(frame).toContain('↑/k');
    expect(frame).toContain('quit (tasks keep running)');
  });

  it('closes with Esc and ?', async () => {
    let closed = 0;
    const { stdin } = render(<HelpOverlay height={60} onClose={() => closed++} />);
    await tick();
    stdin.write(KEYS.escape);
    await tick();
    stdin.write('?');
    await tick();
    expect(closed).toBe(2);
  });

  it('fits a short screen in two columns', () => {
    const frame = render(<HelpOverlay height={20} onClose={() => {}} />).lastFrame()!;
    expect(frame.split('\n').length).toBeLessThanOrEqual(20);
  });
});

describe('Footer', () => {
  it('shows the keys of the current mode, from the keymap', () => {
    const table = render(<Footer mode="table" />).lastFrame()!;
    expect(table).toContain('↑/↓ move');
    expect(table).toContain('g/G first/last');
    expect(table).toContain('n new');
    expect(table).toContain('q quit');
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
