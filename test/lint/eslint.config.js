// ESLint: typescript-eslint's recommended rules, and the layering rule of the house —
// imports point down only: cli and components → runner → store → core. A lower floor
// that imports a higher one, or IO in core, fails `npm run lint` (and so `npm test`).
// test/lint/layering.test.ts proves each rule fails on a bad import.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** A relative import of one of our floors, from any depth: `../store/x.js`, `../../src/runner/x.js`, `../../components/x.js`. */
const floorPattern = (floors) => `^(\\.\\./)+(src/)?(${floors.join('|')})(/|$)`;

/** Node modules that do IO: core is pure logic (a clock and bytes are passed in). */
const IO_MODULES = [
  'fs',
  'fs/promises',
  'child_process',
  'os',
  'net',
  'http',
  'https',
  'dgram',
  'cluster',
  'worker_threads',
  'readline',
  'tty',
].flatMap((m) => [m, `node:${m}`]);

/** The rules for one floor: which of our floors and which packages it may not import, statically or dynamically. */
function floor(files, { floors, packages = [], why }) {
  const message = `${why} (imports point down: cli/components → runner → store → core)`;
  const pattern = floorPattern(floors);
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: packages.map((name) => ({ name, message })),
          patterns: [{ regex: pattern, message }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=/${pattern.replaceAll('/', '\\x2f')}/]`, // (a selector's regex cannot hold a slash)
          message,
        },
        ...packages.map((name) => ({ selector: `ImportExpression[source.value='${name}']`, message })),
      ],
    },
  };
}

const UI = ['ink', 'react', 'chokidar', 'commander'];

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // The command's entry is CommonJS (bin/package.json): an ES module entry costs Node's ESM loader.
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      // `catch {}` with a comment saying why is how this code says "gone already, fine".
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters are what the terminal-text rules strip: the regexes must name them.
      'no-control-regex': 'off',
    },
  },
  floor(['src/core/**'], {
    floors: ['store', 'runner', 'cli', 'components'],
    packages: [...IO_MODULES, ...UI, 'zod'],
    why: 'src/core is pure logic: no IO, no floor above it',
  }),
  floor(['src/store/**'], {
    floors: ['runner', 'cli', 'components'],
    packages: ['ink', 'react', 'commander'],
    why: 'src/store never imports runner, cli or components',
  }),
  floor(['src/runner/**'], {
    floors: ['cli', 'components'],
    packages: ['ink', 'react', 'chokidar', 'commander'],
    why: 'src/runner never imports cli or components',
  }),
  floor(['components/**'], { floors: ['cli'], packages: ['commander'], why: 'components never imports cli' }),
);
