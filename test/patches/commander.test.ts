import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import commander from '../../bin/patches/commander.mjs';
import { bundleFile } from './bundle.js';

/** Runs a bundled program with commander (patched or not): what it printed. */
async function run(code: string, patched: boolean): Promise<string> {
  const file = await bundleFile(`import { Command } from 'commander';\n${code}`, patched ? [commander] : []);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const loadsChildProcess = `
new Command('x').option('-a').command('status').action(() => {});
process.stdout.write(String(process.moduleLoadList.includes('NativeModule child_process')));`;

describe('commander, node:child_process loaded only to spawn', () => {
  it('a program that spawns nothing does not load it (the published commander does)', async () => {
    expect(await run(loadsChildProcess, true)).toBe('false');
    expect(await run(loadsChildProcess, false)).toBe('true');
  });

  it('an executable subcommand still runs', async () => {
    const out = await run(
      `new Command('x').command('say', 'say it', { executableFile: 'echo' }).parse(['say', 'hello'], { from: 'user' });`,
      true,
    );
    expect(out).toBe('hello\n');
  });
});
