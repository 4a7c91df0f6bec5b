import { describe, expect, it } from 'vitest';
import stringWidthPatch, { ONE_CELL } from '../../bin/patches/string-width.mjs';
import { bundled } from './bundle.js';

type StringWidth = (text: string, options?: { ambiguousIsNarrow?: boolean }) => number;
const load = async (patched: boolean) =>
  (await bundled<{ default: StringWidth }>(`export { default } from 'string-width';`, patched ? [stringWidthPatch] : [])).default;

describe('string-width, one-cell characters by their length', () => {
  it('every character it takes the fast path for is one cell to string-width itself', async () => {
    await expect(stringWidthPatch.verify!()).resolves.toBeUndefined();
  });

  it('measures as the published string-width does: the one-cell characters, text made of them, and the rest', async () => {
    const [patched, published] = await Promise.all([load(true), load(false)]);
    const chars = [...ONE_CELL.matchAll(/\\u(\w{4})(?:-\\u(\w{4}))?/g)].flatMap(([, from, to = from]) =>
      Array.from({ length: parseInt(to!, 16) - parseInt(from!, 16) + 1 }, (_, i) => String.fromCharCode(parseInt(from!, 16) + i)),
    );
    expect(chars.length).toBeGreaterThan(1000);
    const texts = [...chars, chars.join(''), '✔ done · 3/4 ─ 50%', 'e\u0301', '日本', '👍', '\u00AD', 'a\tb', '\x1b[31mred\x1b[0m', ''];
    for (const ambiguousIsNarrow of [true, false]) {
      for (const text of texts)
        expect(patched(text, { ambiguousIsNarrow }), JSON.stringify(text)).toBe(published(text, { ambiguousIsNarrow }));
    }
  });
});
