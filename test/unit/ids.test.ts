import { describe, expect, it } from 'vitest';
import { checkIdInput, makeId, resolveIdPrefix } from '../../src/core/ids.js';

describe('ids', () => {
  it('makes 8 lowercase alphanumerics from the given bytes', () => {
    let seed = 1;
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 97 + 13) % 256));
    const id = makeId(bytes);
    expect(id).toMatch(/^[a-z0-9]{8}$/);
  });

  it('skips biased bytes instead of folding them', () => {
    const id = makeId((n) => Uint8Array.from({ length: n }, (_, i) => (i % 2 ? 255 : 0)));
    expect(id).toBe('aaaaaaaa');
  });

  it('resolves unique prefixes and rejects ambiguous or unknown ones', () => {
    const ids = ['abcd1234', 'abce5678', 'zz000000'];
    expect(resolveIdPrefix('abcd', ids)).toBe('abcd1234');
    expect(resolveIdPrefix('z', ids)).toBe('zz000000');
    expect(() => resolveIdPrefix('abc', ids)).toThrow(/ambiguous.*abcd1234, abce5678/);
    expect(() => resolveIdPrefix('q', ids)).toThrow(/no task matches/);
  });

  it('reads upper-case input as the lower-case id it means', () => {
    const ids = ['abcd1234', 'zz000000'];
    expect(resolveIdPrefix('ABCD', ids)).toBe('abcd1234');
    expect(resolveIdPrefix('ZZ000000', ids)).toBe('zz000000');
    expect(() => resolveIdPrefix('A/B', ids)).toThrow(/invalid task id/);
  });

  it.each(['', '../x', 'a/b', '/abs', '.', 'ABC', 'abc.json', 'x'.repeat(10_000), 'a b'])('rejects hostile id %j', (input) => {
    expect(() => checkIdInput(input)).toThrow(/invalid task id/);
  });
});
