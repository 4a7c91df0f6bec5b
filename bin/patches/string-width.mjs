// string-width (Ink measures every Text with it) counts printable ASCII by its length and
// sends anything else through Intl.Segmenter and its emoji and width tables: the first
// such string costs ~25 ms of the dashboard's first frame (ICU's break data), and every
// row with a status icon, a dot or a dash pays the slow path. Characters that are one cell
// and one code unit each (Latin, punctuation, arrows, box drawing, shapes, the check marks)
// take the fast path too. `verify` checks them against string-width itself, character by
// character: the build fails if any of them is not one cell. Only Ink's own copy (the one
// at the top of node_modules) is patched; wrap-ansi keeps an older one for wrapping.
export const ONE_CELL =
  '\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u2010-\\u2027\\u2030-\\u205E\\u2190-\\u21FF\\u2500-\\u25FC\\u25FF\\u2713-\\u2716\\u276F';

/** @type {import('./index.mjs').Patch} */
export default {
  package: 'string-width',
  version: '8.3.0',
  file: 'index.js',
  why: 'one-cell characters (Latin, punctuation, arrows, box drawing, check marks) measured by their length: ~25 ms off the first frame',
  edits: [
    [
      'if (/^[\\u0020-\\u007E]*$/.test(string)) {',
      `if (/^[\\u0020-\\u007E]*$/.test(string) || (ambiguousIsNarrow && /^[${ONE_CELL}]*$/.test(string))) {`,
    ],
  ],
  /** Every character of ONE_CELL is one cell to string-width itself. */
  async verify() {
    const stringWidth = (await import('string-width')).default;
    for (const [, from, to = from] of ONE_CELL.matchAll(/\\u(\w{4})(?:-\\u(\w{4}))?/g)) {
      for (let cp = parseInt(from, 16); cp <= parseInt(to, 16); cp++) {
        const width = stringWidth(String.fromCharCode(cp));
        if (width !== 1) throw new Error(`string-width counts U+${cp.toString(16)} as ${width} cells; take it out of ONE_CELL`);
      }
    }
  },
};
