import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The files that run as their own processes, resolved from the package root.
 * A path built from this module's own location moves with the code that builds
 * it, and the bundles (dist/cli.cjs, dist/ui/, the worker's own) are not where the
 * source is: every runtime file is named here, relative to the root, and nowhere else.
 */
export const RUNTIME_FILES = {
  worker: 'dist/worker.cjs',
  groupStopper: 'dist/group-stopper.cjs',
  /** The command itself: the dashboard hands its terminal to `dev-tools attach`. */
  cli: 'bin/dev-tools.js',
} as const;

/** The terminal UI's bundles (Ink, React and the components), loaded by `ui` and the cancel picker. */
export const UI_FILES = {
  dashboard: 'dist/ui/run-dashboard.js',
  picker: 'dist/ui/run-picker.js',
} as const;

let root: string | null = null;

/** The folder holding dev-tools' package.json, found by walking up from this module. */
function packageRoot(): string {
  if (root) return root;
  // In a CommonJS bundle, bin/build.mjs defines import.meta.dirname as the bundle's __dirname.
  let dir = import.meta.dirname;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'dev-tools') return (root = dir);
    } catch {
      // not here; keep walking up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the dev-tools package root above ${import.meta.dirname}`);
    dir = up;
  }
}

export function runtimeFile(name: keyof typeof RUNTIME_FILES): string {
  return join(packageRoot(), RUNTIME_FILES[name]);
}

export function uiFile(name: keyof typeof UI_FILES): string {
  return join(packageRoot(), UI_FILES[name]);
}
