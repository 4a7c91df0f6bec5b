// The patched dependencies as the build bundles them, for the tests of bin/patches: a few
// lines of code bundled with esbuild (their imports from node_modules), with the given
// patches applied, or none (the dependency as published, to compare with).
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { patchPlugin } from '../../bin/patches/index.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export type Patch = Parameters<typeof patchPlugin>[1][number];

const dir = mkdtempSync(join(tmpdir(), 'dev-tools-patches-'));
let count = 0;

/** `code` bundled as an ES module file (as dist/ui is: with a require for CommonJS packages). */
export async function bundleFile(code: string, patches: Patch[]): Promise<string> {
  const r = await build({
    stdin: { contents: code, resolveDir: ROOT, loader: 'js', sourcefile: 'entry.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    // Ink's React DevTools hook, left out as the build leaves it out.
    external: ['./devtools.js'],
    plugins: patches.length > 0 ? [patchPlugin('patches-under-test', patches)] : [],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const file = join(dir, `bundle-${++count}.mjs`);
  writeFileSync(file, r.outputFiles[0]!.text);
  return file;
}

/** The module `code` makes, bundled with `patches`. */
export async function bundled<T>(code: string, patches: Patch[]): Promise<T> {
  return (await import(pathToFileURL(await bundleFile(code, patches)).href)) as T;
}

/** A node_modules file by its path, for an import in bundled code. */
export const installed = (path: string) => JSON.stringify(join(ROOT, 'node_modules', path));
