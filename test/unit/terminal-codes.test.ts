import { describe, expect, it } from 'vitest';
import { colorsAllowed, ENTER_SCREEN, LEAVE_SCREEN } from '../../src/core/terminal-codes.js';

describe('terminal codes', () => {
  it('NO_COLOR set to anything non-empty, or TERM=dumb, turns colours off (for the CLI and the dashboard alike)', () => {
    expect(colorsAllowed({})).toBe(true);
    expect(colorsAllowed({ NO_COLOR: '' })).toBe(true);
    expect(colorsAllowed({ NO_COLOR: '1' })).toBe(false);
    expect(colorsAllowed({ NO_COLOR: 'false' })).toBe(false);
    expect(colorsAllowed({ TERM: 'dumb' })).toBe(false);
    expect(colorsAllowed({ TERM: 'xterm-256color' })).toBe(true);
  });

  it('leaving the screen undoes every mode entering it set', () => {
    const modes = (codes: string) => [...codes.matchAll(/\x1b\[\?(\d+)([hl])/g)].map(([, mode, set]) => ({ mode, set }));
    const entered = modes(ENTER_SCREEN);
    expect(entered.map((m) => m.mode).sort()).toEqual(['1049', '2004', '25']);
    for (const { mode, set } of entered) expect(modes(LEAVE_SCREEN)).toContainEqual({ mode, set: set === 'h' ? 'l' : 'h' });
  });
});
