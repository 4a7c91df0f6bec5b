// `npm run build`: bundles what ships into dist/ with esbuild (tsc only type-checks:
// `npm run lint`). One file loads instead of dozens, which is most of a command's
// start-up cost:
//
//   dist/cli.cjs           the CLI (commander and src/); bin/dev-tools.js loads it with
//                          a V8 code cache. zod stays in node_modules, required only
//                          when a changed config.json is validated.
//   dist/worker.cjs        the detached worker, and dist/group-stopper.cjs: the files
//                          that run as processes of their own (src/runner/runtime-files.ts);
//                          zod stays outside them too
//   dist/ui/               the dashboard and the cancel picker, with Ink and React (ESM,
//                          shared chunks), imported by `ui` and `cancel` only
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const DIST = 'dist';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
};

// The CommonJS bundles have no import.meta: the one use (the package root, runtime-files.ts)
// starts from the bundle's own folder.
const commonjs = { ...node, format: 'cjs', define: { 'import.meta.dirname': '__dirname' } };

/**
 * commander requires node:child_process when it loads, for executable subcommands,
 * which dev-tools has none of: loading it costs every command a few milliseconds.
 * Here it is required when commander would spawn, never otherwise.
 */
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`${args.path}: commander no longer requires node:child_process as expected`);
      const lazy = "const childProcess = { get spawn() { return require('node:child_process').spawn; } };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * Ink 6.8's incremental renderer (only the rows that changed are written), two fixes:
 *
 * - It moves the cursor up one row too few after a frame that ends in a newline, as every
 *   frame of a screen-filling app kept one row short of the terminal does
 *   (components/run-dashboard.tsx): the picture then slid down a row.
 * - After a resize it wrote the rows that changed over what the terminal had cropped or
 *   reflowed, and first drew the app's tree at its old size (the app re-renders at the new
 *   one only after Ink's own resize handler): fragments of the wide frame stayed, or the
 *   frame shifted a row. With `wholeFrameAfterResize` (a full-screen app, drawn from the top
 *   left corner), the next frame after a resize is drawn whole, every row from the top, the
 *   rest of the screen erased, and only once the app has re-rendered at the new size.
 *
 * Fixed here, where the UI is bundled.
 */
const inkIncrementalFix = {
  name: 'ink-incremental-fixes',
  setup(b) {
    b.onLoad({ filter: /ink[\\/]build[\\/]log-update\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const edits = [
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
      ];
      for (const [from, to] of edits) {
        if (text.split(from).length !== 2)
          throw new Error(`${args.path}: Ink's incremental renderer changed; check the patch (${from.trim().slice(0, 50)})`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
    b.onLoad({ filter: /ink[\\/]build[\\/]ink\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const edits = [
        [
          `    resized = () => {
        const currentWidth = this.getTerminalWidth();`,
          `    resized = () => {
        if (this.options.wholeFrameAfterResize && this.log.redrawWhole) {
            // The next frame is drawn whole, once the app has re-rendered at the new size (see onRender).
            this.log.redrawWhole();
            this.wholeFramePending = true;
            this.lastOutput = '';
            this.lastOutputToRender = '';
            this.lastOutputHeight = 0;
            this.lastTerminalWidth = this.getTerminalWidth();
            // An app that does not re-render for this size (it did not change) is drawn anyway.
            setImmediate(() => this.onRender());
            return;
        }
        const currentWidth = this.getTerminalWidth();`,
        ],
        [
          `    onRender = () => {
        this.hasPendingThrottledRender = false;
        if (this.isUnmounted) {
            return;
        }`,
          `    onRender = () => {
        this.hasPendingThrottledRender = false;
        if (this.isUnmounted) {
            return;
        }
        if (this.wholeFramePending) {
            // Until the app re-renders for the new size (React may schedule that after this), its tree is
            // the old size: wider or taller than the terminal, drawn it would wrap or scroll. Not drawn.
            const root = this.rootNode.yogaNode;
            let width = 0;
            for (let i = 0; i < root.getChildCount(); i++) width = Math.max(width, root.getChild(i).getComputedWidth());
            if (width > this.getTerminalWidth() || root.getComputedHeight() >= (this.options.stdout.rows || Infinity)) return;
            this.wholeFramePending = false;
        }`,
        ],
      ];
      for (const [from, to] of edits) {
        if (text.split(from).length !== 2)
          throw new Error(`${args.path}: Ink's resize handling changed; check the whole-frame patch (${from.trim().slice(0, 40)})`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * Ink rasterizes every frame whole (output.js): each line of text is tokenized into
 * styled characters and measured, and the screen is a fresh grid of blank cells. Its
 * caches of tokenized lines and widths live for one frame only; here they live across
 * frames (emptied when large), the blank cell is one shared object, and a line that fits
 * its clip is not sliced, and a row made of the same cells as the last frame's is the same
 * string, so a frame in which ten of fifty rows changed costs about ten rows of work,
 * not fifty, and little garbage. Cached cells are never mutated.
 */
const inkOutputCaches = {
  name: 'ink-output-caches',
  setup(b) {
    b.onLoad({ filter: /ink[\\/]build[\\/]output\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const edits = [
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
      ];
      for (const [from, to] of edits) {
        if (!text.includes(from))
          throw new Error(`${args.path}: Ink's Output changed; check the cache patch (${from.trim().slice(0, 40)})`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * Ink turns each row of the screen back into a string with ansi-tokenize's
 * styledCharsToString, which works out the escape codes between every two cells,
 * styled or not, with three Sets per cell: 8,000 cells a frame at 160x50. Cells of
 * the same style (most of them: plain text) need no codes between them; that is
 * checked first here, and the result is the same string.
 */
const sameStyleFastPath = {
  name: 'ansi-tokenize-same-style',
  setup(b) {
    b.onLoad({ filter: /@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]styledChars\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const edits = [
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
      ];
      for (const [from, to] of edits) {
        if (!text.includes(from))
          throw new Error(`${args.path}: ansi-tokenize changed; check the same-style fast path (${from.slice(0, 40)})`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

/**
 * With DEV=true Ink reads its own package.json from beside its module, which in the
 * bundle would be dist/package.json, absent. The UI hides DEV while Ink loads
 * (components/interactive-env.ts), but no path should point outside what ships: the
 * name and version are put in here, read at build time.
 */
const inkPackageJson = {
  name: 'ink-package-json-inline',
  setup(b) {
    b.onLoad({ filter: /ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const read = "fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')";
      if (!text.includes(read)) throw new Error(`${args.path}: Ink no longer reads its package.json as expected`);
      const { name, version } = JSON.parse(readFileSync(new URL('../package.json', pathToFileURL(args.path)), 'utf8'));
      return { contents: text.replace(read, JSON.stringify(JSON.stringify({ name, version }))), loader: 'js' };
    });
  },
};

/**
 * Yoga (Ink's layout engine) is WebAssembly embedded as a data: URL, which Emscripten's
 * loader fetches when `fetch` exists, as it does on Node 20: that loads undici and web
 * streams, ~25 ms of the dashboard's first frame, to decode bytes it has in hand. Here
 * the loader decodes them itself, the path it takes where there is no `fetch`.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const check = '"function"!=typeof fetch';
      if (text.split(check).length !== 3) throw new Error(`${args.path}: Yoga's loader changed; check the fetch patch`);
      return { contents: text.replaceAll(check, '!0'), loader: 'js' };
    });
  },
};

/**
 * string-width (Ink measures every Text with it) counts printable ASCII by its length
 * and sends anything else through Intl.Segmenter and its emoji and width tables: the
 * first such string costs ~25 ms of the dashboard's first frame (ICU's break data),
 * and every row with a status icon, a dot or a dash pays the slow path. Characters
 * that are one cell and one code unit each (Latin, punctuation, arrows, box drawing,
 * shapes, the check marks) take the fast path too. Checked here against string-width
 * itself, character by character: the build fails if any of them is not one cell.
 */
const ONE_CELL =
  '\\u0020-\\u007E\\u00A0-\\u00AC\\u00AE-\\u02FF\\u2010-\\u2027\\u2030-\\u205E\\u2190-\\u21FF\\u2500-\\u25FC\\u25FF\\u2713-\\u2716\\u276F';
const stringWidthFastPath = {
  name: 'string-width-one-cell-fast-path',
  async setup(b) {
    const stringWidth = (await import('string-width')).default;
    const ranges = [...ONE_CELL.matchAll(/\\u(\w{4})(?:-\\u(\w{4}))?/g)];
    for (const [, from, to = from] of ranges) {
      for (let cp = parseInt(from, 16); cp <= parseInt(to, 16); cp++) {
        const width = stringWidth(String.fromCharCode(cp));
        if (width !== 1) throw new Error(`string-width counts U+${cp.toString(16)} as ${width} cells; take it out of ONE_CELL`);
      }
    }
    // Ink's own string-width (wrap-ansi keeps an older one for wrapping, left as it is).
    const inks = fileURLToPath(import.meta.resolve('string-width'));
    b.onLoad({ filter: /node_modules[\\/]string-width[\\/]index\.js$/ }, (args) => {
      if (args.path !== inks) return undefined;
      const text = readFileSync(args.path, 'utf8');
      const fast = 'if (/^[\\u0020-\\u007E]*$/.test(string)) {';
      if (!text.includes(fast)) throw new Error(`${args.path}: string-width's fast path changed; check the one-cell patch`);
      return {
        contents: text.replace(
          fast,
          `if (/^[\\u0020-\\u007E]*$/.test(string) || (ambiguousIsNarrow && /^[${ONE_CELL}]*$/.test(string))) {`,
        ),
        loader: 'js',
      };
    });
  },
};

rmSync(DIST, { recursive: true, force: true });

await Promise.all([
  build({
    ...commonjs,
    entryPoints: ['src/cli/main.ts'],
    outfile: `${DIST}/cli.cjs`,
    external: ['zod'],
    plugins: [lazyChildProcess],
    // A function expression, not a script that runs: bin/dev-tools.js compiles it with
    // vm.Script (and its code cache) and calls it as Node calls a CommonJS module, with
    // its own import() besides (src/cli/load-ui.ts).
    banner: { js: '(function (exports, require, module, __filename, __dirname, __devToolsImport) {' },
    footer: { js: '})' },
  }),
  build({
    ...commonjs,
    entryPoints: { worker: 'src/runner/entries/worker.ts', 'group-stopper': 'src/runner/entries/group-stopper.ts' },
    outdir: DIST,
    external: ['zod'],
    outExtension: { '.js': '.cjs' },
  }),
  build({
    ...node,
    entryPoints: ['components/run-dashboard.tsx', 'components/run-picker.tsx'],
    outdir: `${DIST}/ui`,
    format: 'esm',
    splitting: true,
    plugins: [inkIncrementalFix, inkOutputCaches, sameStyleFastPath, yogaWithoutFetch, stringWidthFastPath, inkPackageJson],
    // Ink's React DevTools hook: only with DEV=true, which the UI hides (components/interactive-env.ts).
    external: ['./devtools.js'],
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: {
      js: "import { createRequire as __devToolsCreateRequire } from 'node:module'; const require = __devToolsCreateRequire(import.meta.url);",
    },
  }),
]);

// The loader reads the CLI bundle as latin1 (a one-byte string, no UTF-8 decoding): esbuild
// escapes every non-ASCII character (charset ascii, its default), and this holds it to that.
if (/[^\x00-\x7f]/.test(readFileSync(`${DIST}/cli.cjs`, 'latin1'))) throw new Error(`${DIST}/cli.cjs holds non-ASCII bytes`);
