// `npm run build`: bundles what ships into dist/ with esbuild (tsc only type-checks:
// `npm run lint`). One file loads instead of dozens, which is most of a command's
// start-up cost:
//
//   dist/cli.cjs           the CLI (commander and src/); bin/dev-tools.js loads it with
//                          a V8 code cache. zod stays in node_modules, required only
//                          when a changed config.json is validated.
//   dist/worker.cjs        the detached worker, and dist/group-stopper.cjs: the files
//                          that run as processes of their own (src/runner/runtime-files.ts);
//                          zod stays outside them too, and so does @lydell/node-pty (a
//                          native module, its binary in a package of its platform), which
//                          the worker of a --tty task requires, and no other
//   dist/ui/               the dashboard and the cancel picker, with Ink and React (ESM,
//                          shared chunks), imported by `ui` and `cancel` only
//
// Patches to the dependencies bundled here are applied as they are bundled: one file each
// in bin/patches/, saying why.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { CLI_PATCHES, patchPlugin, UI_PATCHES } from './patches/index.mjs';

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

rmSync(DIST, { recursive: true, force: true });

await Promise.all([
  build({
    ...commonjs,
    entryPoints: ['src/cli/main.ts'],
    outfile: `${DIST}/cli.cjs`,
    external: ['zod'],
    plugins: [patchPlugin('cli-patches', CLI_PATCHES)],
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
    external: ['zod', '@lydell/node-pty'],
    outExtension: { '.js': '.cjs' },
  }),
  build({
    ...node,
    entryPoints: ['components/run-dashboard.tsx', 'components/run-picker.tsx'],
    outdir: `${DIST}/ui`,
    format: 'esm',
    splitting: true,
    plugins: [patchPlugin('ui-patches', UI_PATCHES)],
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
