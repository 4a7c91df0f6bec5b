// The V8 code cache bin/dev-tools.js keeps in $XDG_CACHE_HOME/dev-tools: used when it was
// made by this Node for this bundle, and never able to break a command — missing, corrupt,
// cut short, from another Node version or build, a symbolic link or an unusable folder
// all mean the command runs from the source (and a new cache is written when it can be).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from './harness.js';

let h: Harness;
let cacheHome: string;
beforeEach(() => {
  h = new Harness();
  cacheHome = join(h.home, 'xdg-cache');
  h.writeConfig({ maxParallelTasks: 3 });
});
afterEach(() => h.cleanup());

const cacheFile = (command: string) => join(cacheHome, 'dev-tools', `cli-${command}.v8`);
const run = (args: string[], env: Record<string, string> = {}) => h.run(args, { env: { XDG_CACHE_HOME: cacheHome, ...env } });
/** The first line of a cache file: what it was made for. */
const header = (file: string) => readFileSync(file, 'latin1').split('\n', 1)[0]!;

/** `status` and `--help` as they print without any cache, to compare every other run with. */
function reference(): { status: string; help: string } {
  const status = run(['status']);
  const help = run(['--help']);
  expect(status.code, status.stderr).toBe(0);
  expect(help.code, help.stderr).toBe(0);
  return { status: status.stdout, help: help.stdout };
}

describe('code cache', () => {
  it('is written on first use, one per subcommand, for this Node and this bundle, and then used as it is', () => {
    expect(existsSync(cacheFile('status'))).toBe(false);
    const first = reference();
    expect(first.status).toContain('No running tasks');
    expect(statSync(join(cacheHome, 'dev-tools')).mode & 0o777).toBe(0o700);
    expect(statSync(cacheFile('status')).mode & 0o777).toBe(0o600);
    expect(existsSync(cacheFile('other'))).toBe(true); // --help
    expect(header(cacheFile('status'))).toContain(` ${process.version} ${process.arch} `);
    expect(header(cacheFile('status'))).toContain('dist/cli.cjs');
    const made = readFileSync(cacheFile('status'));
    const again = run(['status']);
    expect(again).toEqual({ code: 0, stdout: first.status, stderr: '' });
    // Accepted by V8, so not written again.
    expect(readFileSync(cacheFile('status')).equals(made)).toBe(true);
  });

  it("every subcommand the CLI has gets a cache of its own (bin/dev-tools.js's list of them is complete)", () => {
    const help = run(['--help']).stdout;
    const section = help.slice(help.indexOf('Commands:')).split('\n\n')[0]!;
    const commands = [...section.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['task', 'status', 'diff', 'ui']));
    for (const command of commands) {
      const r = run([command, '--help']);
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
      expect(existsSync(cacheFile(command)), command).toBe(true);
    }
  });

  it.each([
    [
      'corrupt (the right header, garbage after it)',
      (good: Buffer) => Buffer.concat([good.subarray(0, good.indexOf(10) + 1), Buffer.alloc(5000, 7)]),
    ],
    ['cut short', (good: Buffer) => good.subarray(0, Math.floor(good.length / 2))],
    ['cut inside its header', (good: Buffer) => good.subarray(0, 20)],
    ['from another Node version', (good: Buffer) => Buffer.from(good.toString('latin1').replace(process.version, 'v18.0.0'), 'latin1')],
    [
      'for another build of the bundle',
      (good: Buffer) => Buffer.from(good.toString('latin1').replace(/ \d+ [\d.]+ [\d.]+ \d+\n/, ' 1 2 3 4\n'), 'latin1'),
    ],
    ['empty', () => Buffer.alloc(0)],
  ])('%s: the command runs as without one, and a good cache replaces it', (_what, spoil) => {
    const clean = reference();
    const good = readFileSync(cacheFile('status'));
    const spoiled = spoil(good);
    writeFileSync(cacheFile('status'), spoiled);
    expect(run(['status'])).toEqual({ code: 0, stdout: clean.status, stderr: '' });
    expect(readFileSync(cacheFile('status')).equals(spoiled)).toBe(false);
    expect(header(cacheFile('status'))).toBe(good.toString('latin1').split('\n', 1)[0]);
    // And the new one is used as it is.
    const rebuilt = readFileSync(cacheFile('status'));
    expect(run(['status']).stdout).toBe(clean.status);
    expect(readFileSync(cacheFile('status')).equals(rebuilt)).toBe(true);
  });

  it('a symbolic link in its place is neither followed nor written through', () => {
    const clean = reference();
    // A valid cache, behind a link.
    const target = join(h.home, 'target.bin');
    writeFileSync(target, readFileSync(cacheFile('status')));
    const before = readFileSync(target);
    rmSync(cacheFile('status'));
    symlinkSync(target, cacheFile('status'));
    expect(run(['status'])).toEqual({ code: 0, stdout: clean.status, stderr: '' });
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(lstatSync(cacheFile('status')).isFile()).toBe(true);
  });

  it('an unusable cache folder (a file in its place) only means no cache', () => {
    mkdirSync(cacheHome, { recursive: true });
    writeFileSync(join(cacheHome, 'dev-tools'), 'not a folder');
    const r = run(['status']);
    expect(r).toEqual({ code: 0, stdout: 'No running tasks\n', stderr: '' });
    expect(readFileSync(join(cacheHome, 'dev-tools'), 'utf8')).toBe('not a folder');
    const bad = run(['status'], { XDG_CACHE_HOME: '/proc/self/nonexistent' });
    expect(bad).toEqual({ code: 0, stdout: 'No running tasks\n', stderr: '' });
  });

  it.skipIf(process.getuid?.() !== 0)('a cache file of another user is not used', () => {
    const clean = reference();
    const good = readFileSync(cacheFile('status'));
    chownSync(cacheFile('status'), 12345, 12345);
    expect(run(['status']).stdout).toBe(clean.status);
    expect(statSync(cacheFile('status')).uid).toBe(0);
    expect(readFileSync(cacheFile('status')).equals(good)).toBe(false);
  });
});
