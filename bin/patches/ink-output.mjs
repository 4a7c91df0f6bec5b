// Ink rasterizes every frame whole (output.js): each line of text is tokenized into styled
// characters and measured, and the screen is a fresh grid of blank cells. Its caches of
// tokenized lines and widths live for one frame only; here they live across frames
// (emptied when large), the blank cell is one shared object, a line that fits its clip is
// not sliced, and a row made of the same cells as the last frame's is the same string: a
// frame in which ten of fifty rows changed costs about ten rows of work, not fifty, and
// little garbage. Cached cells are never mutated.
/** @type {import('./index.mjs').Patch} */
export default {
  package: 'ink',
  version: '6.8.0',
  file: 'build/output.js',
  why: "a frame costs the rows that changed: caches kept across frames, one shared blank cell, the last frame's rows reused",
  edits: [
    [
      'export default class Output {',
      `const BLANK = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([]) });
let previousRows = [];
function rowString(line, y) {
    const previous = previousRows[y];
    if (previous && previous.cells.length === line.length && previous.cells.every((cell, x) => cell === line[x])) return previous.text;
    // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
    const text = styledCharsToString(line.filter(item => item !== undefined)).trimEnd();
    previousRows[y] = { cells: line, text };
    return text;
}
let sharedCaches;
function outputCaches() {
    if (!sharedCaches || sharedCaches.styledChars.size + sharedCaches.widths.size + sharedCaches.blockWidths.size > 20000) sharedCaches = new OutputCaches();
    return sharedCaches;
}
export default class Output {`,
    ],
    ['    caches = new OutputCaches();', '    caches = outputCaches();'],
    // A row whose cells are the very cells of the last frame's row (cached, never mutated) is the same string.
    [
      `            .map(line => {
            // See https://github.com/vadimdemedes/ink/pull/564#issuecomment-1637022742
            const lineWithoutEmptyItems = line.filter(item => item !== undefined);
            return styledCharsToString(lineWithoutEmptyItems).trimEnd();
        })`,
      '            .map((line, y) => rowString(line, y))',
    ],
    // Clipping a line that fits (the usual case in a box with overflow hidden) left it as it was, after tokenizing it.
    [
      '                            return sliceAnsi(line, from, to);',
      '                            return from === 0 && to >= width ? line : sliceAnsi(line, from, to);',
    ],
    [
      `                row.push({
                    type: 'char',
                    value: ' ',
                    fullWidth: false,
                    styles: [],
                });`,
      '                row.push(BLANK);',
    ],
  ],
};
