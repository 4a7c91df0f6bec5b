import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { isTooSmall, SmallTerminal } from '../../components/SmallTerminal.js';

afterEach(() => cleanup());

describe('SmallTerminal', () => {
  it('says the terminal is too small and what it needs', () => {
    const frame = render(<SmallTerminal columns={40} rows={10} />).lastFrame()!;
    expect(frame).toContain('terminal too small');
    expect(frame).toContain('40x10, needs 60x12');
    expect(frame).toContain('q quits');
  });

  it('draws the dashboard from 60x12 up', () => {
    expect(isTooSmall(59, 30)).toBe(true);
    expect(isTooSmall(100, 11)).toBe(true);
    expect(isTooSmall(60, 12)).toBe(false);
  });
});
