import { describe, expect, it } from 'vitest';
import { findMatches, firstMatchFrom, highlightSegments, isCaseSensitive, stepMatch } from '../../src/core/log-search.js';

describe('log search', () => {
  const lines = ['Error: disk full', 'all good', 'error again, ERROR twice', 'done'];

  it('is case-insensitive unless the query holds a capital (smartcase)', () => {
    expect(isCaseSensitive('error')).toBe(false);
    expect(isCaseSensitive('Error')).toBe(true);
    expect(findMatches(lines, 'error').matches.map((m) => [m.line, m.start])).toEqual([
      [0, 0],
      [2, 0],
      [2, 13],
    ]);
    expect(findMatches(lines, 'ERROR').matches.map((m) => [m.line, m.start])).toEqual([[2, 13]]);
    expect(findMatches(lines, 'nothing').matches).toEqual([]);
    expect(findMatches(lines, '').matches).toEqual([]);
  });

  it('finds every occurrence, without overlaps, and stops counting at the cap', () => {
    expect(findMatches(['aaaa'], 'aa').matches.map((m) => m.start)).toEqual([0, 2]);
    const capped = findMatches(['x'.repeat(50)], 'x', 10);
    expect(capped.matches).toHaveLength(10);
    expect(capped.complete).toBe(false);
  });

  it('steps with wrap-around and starts from the view', () => {
    expect(stepMatch(3, 2, 1)).toEqual({ index: 0, wrapped: true });
    expect(stepMatch(3, 0, -1)).toEqual({ index: 2, wrapped: true });
    expect(stepMatch(3, 1, 1)).toEqual({ index: 2, wrapped: false });
    expect(stepMatch(0, 0, 1)).toEqual({ index: -1, wrapped: false });
    const { matches } = findMatches(lines, 'error');
    expect(firstMatchFrom(matches, 1)).toBe(1);
    expect(firstMatchFrom(matches, 3)).toBe(0);
  });

  it('cuts a line into plain and matched pieces', () => {
    expect(
      highlightSegments('error again, ERROR twice', [
        { start: 0, end: 5, current: false },
        { start: 13, end: 18, current: true },
      ]),
    ).toEqual([
      { text: 'error', match: true, current: false },
      { text: ' again, ', match: false, current: false },
      { text: 'ERROR', match: true, current: true },
      { text: ' twice', match: false, current: false },
    ]);
    expect(highlightSegments('plain', [])).toEqual([{ text: 'plain', match: false, current: false }]);
  });
});
