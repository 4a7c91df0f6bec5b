import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/**
 * `npm test` runs every project. First unit (with the build's patches and the lint rules)
 * and ui, two files at a time in worker threads (vitest's default is one worker on two
 * cores): they start no worker, or few and short ones. Then, one file at a time, the
 * tests that spawn real workers and time them on a 2-core machine: integration, faults,
 * Slurm, and the installed package in tmux (e2e, installed once for all its files by its
 * global setup). One project: `vitest run --config test/vitest.config.ts --project ui`.
 */
const parallel = (name: string, include: string[]) => ({
  extends: true as const,
  test: { name, include, pool: 'threads' as const, maxWorkers: 2 },
});
// One worker process runs all the files of a serial project (isolate: false), one after the
// other: not a process started and the harness and sources imported again for each file. Their
// group runs after unit and ui (groupOrder 1), a project at a time.
const serial = (name: string, include: string[], extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, include, fileParallelism: false, isolate: false, sequence: { groupOrder: 1 }, ...extra },
});

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    testTimeout: 60_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    projects: [
      parallel('unit', ['test/unit/**/*.test.ts', 'test/patches/**/*.test.ts', 'test/lint/**/*.test.ts']),
      parallel('ui', ['test/ui/**/*.test.tsx']),
      serial('integration', ['test/integration/**/*.test.ts']),
      serial('faults', ['test/faults/**/*.test.ts']),
      serial('slurm', ['test/slurm/**/*.test.ts']),
      serial('e2e', ['test/e2e/**/*.test.ts'], { globalSetup: ['test/e2e/global-setup.ts'] }),
    ],
  },
});
