import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

// Integration tests spawn real workers: on a 2-core machine, one file at a time.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
