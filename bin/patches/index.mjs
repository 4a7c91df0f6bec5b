// Patches to dependencies, applied when bin/build.mjs bundles them (never to node_modules):
// one file each, saying why it exists. Each names the exact version it was written against
// (package.json pins it with `overrides`) and the text it replaces; a build against any
// other version or text fails, naming the patch (test/patches checks each one too).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ansiTokenize from './ansi-tokenize.mjs';
import commander from './commander.mjs';
import inkLogUpdate from './ink-log-update.mjs';
import inkOutput from './ink-output.mjs';
import inkResize from './ink-resize.mjs';
import stringWidth from './string-width.mjs';

/**
 * @typedef {object} Patch
 * @property {string} package the package patched, as npm names it
 * @property {string} version the exact version the patch was written against
 * @property {string} file the patched file, within the package
 * @property {string} why why the patch exists, in a line (the README lists them)
 * @property {[string, string][]} edits each text replaced (found exactly once) and its replacement
 * @property {() => Promise<void>} [verify] a check of the patch's own assumptions, at build time
 */

/** The CLI bundle's patches, and the dashboard's. */
export const CLI_PATCHES = [commander];
export const UI_PATCHES = [inkLogUpdate, inkResize, inkOutput, ansiTokenize, stringWidth];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The patched file as installed (the copy at the top of node_modules, the one the bundles take). @param {Patch} patch */
export function targetOf(patch) {
  return join(ROOT, 'node_modules', patch.package, patch.file);
}

/** Throws unless the installed version of the patched package is the one the patch was written for. @param {Patch} patch */
export function checkVersion(patch) {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'node_modules', patch.package, 'package.json'), 'utf8'));
  if (version !== patch.version) {
    throw new Error(
      `${patch.package} ${version} is installed, the patch was written for ${patch.version}: pin it again, or check the patch`,
    );
  }
}

/** The patched text: each edit's text must be found exactly once. @param {Patch} patch @param {string} text */
export function applyPatch(patch, text) {
  let out = text;
  for (const [from, to] of patch.edits) {
    const found = out.split(from).length - 1;
    if (found !== 1) {
      throw new Error(
        `${patch.package}/${patch.file}: the text a patch replaces is found ${found} times, not once: check its patch in bin/patches (${from.trim().slice(0, 60)})`,
      );
    }
    out = out.replace(from, () => to);
  }
  return out;
}

/**
 * An esbuild plugin applying `patches` to the files they name as they are bundled.
 * @param {string} name @param {Patch[]} patches @returns {import('esbuild').Plugin}
 */
export function patchPlugin(name, patches) {
  return {
    name,
    async setup(build) {
      for (const patch of patches) {
        checkVersion(patch);
        await patch.verify?.();
        const target = targetOf(patch);
        const tail = `node_modules/${patch.package}/${patch.file}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '[\\\\/]');
        build.onLoad({ filter: new RegExp(`${tail}$`) }, (args) =>
          args.path === target ? { contents: applyPatch(patch, readFileSync(target, 'utf8')), loader: 'js' } : undefined,
        );
      }
    },
  };
}
