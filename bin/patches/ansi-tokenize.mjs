// Ink turns each row of the screen back into a string with ansi-tokenize's
// styledCharsToString, which works out the escape codes between every two cells, styled
// or not, with three Sets per cell: 8,000 cells a frame at 160x50. Cells of the same
// style (most of them: plain text) need no codes between them; that is checked first
// here, and the result is the same string.
/** @type {import('./index.mjs').Patch} */
export default {
  package: '@alcalzone/ansi-tokenize',
  version: '0.2.5',
  file: 'build/styledChars.js',
  why: 'no escape codes worked out between two cells of the same style: the same string, a fraction of a frame',
  edits: [
    [
      'export function styledCharsToString(chars) {',
      `function sameStyles(a, b) {
    if (a === b) return true;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
    return true;
}
export function styledCharsToString(chars) {`,
    ],
    [
      'ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
      'if (!sameStyles(chars[i - 1].styles, char.styles)) ret += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));',
    ],
    ['if (i === chars.length - 1) {', 'if (i === chars.length - 1 && char.styles.length > 0) {'],
  ],
};
