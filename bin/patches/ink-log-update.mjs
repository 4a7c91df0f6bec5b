// Ink 6.8's incremental renderer (log-update.js: only the rows that changed are written):
//
// - It moves the cursor up one row too few after a frame that ends in a newline, as every
//   frame of a screen-filling app kept one row short of the terminal does
//   (components/run-dashboard.tsx): the picture then slid down a row.
// - `redrawWhole()`: the next frame is drawn whole, every row from the top left corner, each
//   erased to its end, then everything below (what ink-resize.mjs asks for after a resize).
/** @type {import('./index.mjs').Patch} */
export default {
  package: 'ink',
  version: '6.8.0',
  file: 'build/log-update.js',
  why: 'the cursor moved one row too few after a frame ending in a newline (the picture slid down); a whole frame on request, for a resize',
  edits: [
    [
      'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
      "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));",
    ],
    // The incremental renderer's state, and its first lines: a frame asked to be whole is drawn so.
    [
      `const createIncremental = (stream, { showCursor = false } = {}) => {
    let previousLines = [];`,
      `const createIncremental = (stream, { showCursor = false } = {}) => {
    let wholeNext = false;
    let previousLines = [];`,
    ],
    [
      `        const activeCursor = getActiveCursor();
        cursorDirty = false;
        const cursorChanged = cursorPositionChanged(activeCursor, previousCursorPosition);
        if (!hasChanges(str, activeCursor)) {
            return false;
        }
        const nextLines = str.split('\\n');
        const visibleCount = visibleLineCount(nextLines, str);
        const previousVisible`,
      `        const activeCursor = getActiveCursor();
        cursorDirty = false;
        const cursorChanged = cursorPositionChanged(activeCursor, previousCursorPosition);
        if (wholeNext) {
            // Every row from the top left corner, each erased to its end, then everything below.
            wholeNext = false;
            const lines = str.split('\\n');
            stream.write(ansiEscapes.cursorTo(0, 0) + lines.map(line => line + ansiEscapes.eraseEndLine).join('\\n') + ansiEscapes.eraseDown + buildCursorSuffix(visibleLineCount(lines, str), activeCursor));
            cursorWasShown = activeCursor !== undefined;
            previousCursorPosition = activeCursor ? { ...activeCursor } : undefined;
            previousOutput = str;
            previousLines = lines;
            return true;
        }
        if (!hasChanges(str, activeCursor)) {
            return false;
        }
        const nextLines = str.split('\\n');
        const visibleCount = visibleLineCount(nextLines, str);
        const previousVisible`,
    ],
    [
      `    render.isCursorDirty = () => cursorDirty;
    render.willRender = (str) => hasChanges(str, getActiveCursor());
    return render;
};
const create = `,
      `    render.isCursorDirty = () => cursorDirty;
    render.willRender = (str) => wholeNext || hasChanges(str, getActiveCursor());
    render.redrawWhole = () => {
        wholeNext = true;
    };
    return render;
};
const create = `,
    ],
  ],
};
