import { describe, expect, it } from 'vitest';
import ansiTokenize from '../../bin/patches/ansi-tokenize.mjs';
import { bundled } from './bundle.js';

interface Tokenize {
  tokenize(text: string): unknown[];
  styledCharsFromTokens(tokens: unknown[]): unknown[];
  styledCharsToString(chars: unknown[]): string;
}
const load = (patched: boolean) => bundled<Tokenize>(`export * from '@alcalzone/ansi-tokenize';`, patched ? [ansiTokenize] : []);

/** Rows as Ink writes them: plain runs, colours, bold and inverse, nested and reset, wide characters. */
function rows(seed: number, count: number): string[] {
  let x = seed;
  const next = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
  const codes = ['\x1b[31m', '\x1b[39m', '\x1b[1m', '\x1b[22m', '\x1b[7m', '\x1b[27m', '\x1b[0m', '\x1b[38;5;208m', '\x1b[44m', '\x1b[49m'];
  const words = ['running', ' ', '✔', '日本', 'abc', '─────', '42%', '…'];
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + next(12) }, () => (next(3) === 0 ? codes[next(codes.length)]! : words[next(words.length)]!)).join(''),
  );
}

describe('ansi-tokenize, no codes worked out between cells of one style', () => {
  it('turns styled cells back into the very string the published one makes', async () => {
    const [patched, published] = await Promise.all([load(true), load(false)]);
    for (const row of [...rows(7, 400), '', 'plain text only', '\x1b[31mall red\x1b[39m', '\x1b[1mbold to the end']) {
      const chars = published.styledCharsFromTokens(published.tokenize(row));
      expect(patched.styledCharsToString(chars), JSON.stringify(row)).toBe(published.styledCharsToString(chars));
    }
  });
});
