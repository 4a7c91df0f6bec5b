import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files that run as their own processes, resolved from the package root.
 * A path built from `import.meta.url` moves with the code that builds it, and the
 * bundled dashboard (dist/ui) is not where the compiled runner is: every runtime
 * file is named here, relative to the root, and nowhere else.
 */
export const RUNTIME_FILES = {
  worker: 'dist/src/runner/entries/worker.js',
  groupStopper: 'dist/src/runner/entries/group-stopper.js',
} as const;

let root: string | null = null;

/** The folder holding dev-tools' package.json, found by walking up from this module. */
function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'dev-tools') return (root = dir);
    } catch {
      // not here; keep walking up
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the dev-tools package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export function runtimeFile(name: keyof typeof RUNTIME_FILES): string {
  return join(packageRoot(), RUNTIME_FILES[name]);
}
