// The layering rule of test/lint/eslint.config.js, proven: each import that runs up a floor (or
// does IO in core) is an error in the file it would be written in; imports that point
// down are not. The files are virtual (lintText with a path), so nothing bad is ever in the tree.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { ROOT } from '../integration/harness.js';

const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'test/lint/eslint.config.js') });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('layering rule (npm run lint)', () => {
  it.each([
    ['src/core/bad.ts', "import { TaskStore } from '../store/tasks.js';\nexport const s = TaskStore;", /src\/core is pure logic/],
    ['src/core/bad.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;", /src\/core is pure logic/],
    ['src/core/bad.ts', "import { spawn } from 'child_process';\nexport const s = spawn;", /src\/core is pure logic/],
    ['src/core/bad.ts', "export const load = () => import('node:fs/promises');", /src\/core is pure logic/],
    ['src/core/bad.ts', "import type { Config } from '../store/config.js';\nexport type C = Config;", /src\/core is pure logic/],
    [
      'src/store/bad.ts',
      "import { schedule } from '../runner/scheduler.js';\nexport const s = schedule;",
      /src\/store never imports runner/,
    ],
    ['src/store/bad.ts', "export const load = () => import('../cli/main.js');", /src\/store never imports runner/],
    [
      'src/runner/bad.ts',
      "import { paint } from '../cli/output.js';\nexport const p = paint;",
      /src\/runner never imports cli or components/,
    ],
    [
      'src/runner/entries/bad.ts',
      "import { App } from '../../../components/App.js';\nexport const a = App;",
      /src\/runner never imports cli or components/,
    ],
    ['src/runner/bad.ts', "import { render } from 'ink';\nexport const r = render;", /src\/runner never imports cli or components/],
    [
      'components/Bad.tsx',
      "import { openContext } from '../src/cli/context.js';\nexport const o = openContext;",
      /components never imports cli/,
    ],
  ])('%s: %s is an error', async (file, code, message) => {
    const errors = await layeringErrors(file, code);
    expect(errors.length, errors.join('\n')).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(message);
  });

  it.each([
    ['src/core/ok.ts', "import { cellWidth } from './cell-width.js';\nexport const w = cellWidth;"],
    [
      'src/store/ok.ts',
      "import { readFileSync } from 'node:fs';\nimport { isIdPrefix } from '../core/ids.js';\nexport const x = [readFileSync, isIdPrefix];",
    ],
    [
      'src/runner/ok.ts',
      "import { TaskStore } from '../store/tasks.js';\nimport { UsageError } from '../core/errors.js';\nexport const x = [TaskStore, UsageError];",
    ],
    [
      'src/runner/entries/ok.ts',
      "import { schedule } from '../scheduler.js';\nimport { statePaths } from '../../store/paths.js';\nexport const x = [schedule, statePaths];",
    ],
    [
      'components/Ok.tsx',
      "import { cancelTask } from '../src/runner/cancel.js';\nimport { StateWatch } from '../src/store/watch.js';\nexport const x = [cancelTask, StateWatch];",
    ],
    [
      'src/cli/ok.ts',
      "import { Action } from '../../components/keymap.js';\nimport { launchTask } from '../runner/launch.js';\nexport const x = [Action, launchTask];",
    ],
  ])('%s: imports that point down are fine', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([]);
  });
});
