// Every file dev-tools runs as its own process must be in the package as installed.
// The bundled dashboard once launched `dist/ui/worker.js`, which the package never had,
// while every test passed on the unbundled modules: these checks run the installed package.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { RUNTIME_FILES, UI_FILES } from '../../src/runner/runtime-files.js';
import { groupMembers, Harness, RECORD_SPAWNS, waitFor } from '../integration/harness.js';
import { installedPackage, nodeScripts, readSpawns } from './installed.js';

const pkg = installedPackage();

let h: Harness;
beforeEach(() => {
  h = new Harness({ bin: pkg.bin });
});
afterEach(() => h.cleanup());

/** The installed CLI, recording every process it starts. */
function recorded(args: string[], spawns: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', RECORD_SPAWNS, pkg.bin, ...args], {
    env: h.env({ RECORD_SPAWNS_TO: spawns }),
    cwd: h.home,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the installed package', () => {
  it('runs no script at install: its manifest has no prepare or install scripts, and npm says nothing of them', () => {
    const manifest = JSON.parse(readFileSync(join(pkg.root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(manifest.scripts?.[script], `scripts.${script}`).toBeUndefined();
    expect(pkg.installOutput).not.toMatch(/install.scripts|allowScripts/i);
    // What ships is built: the command runs.
    const r = spawnSync(pkg.bin, ['--version'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('0.1.0');
  });

  it('ships the command and what it runs, not the build (bin/build.mjs, bin/patches)', () => {
    expect(readdirSync(join(pkg.root, 'bin')).sort()).toEqual(['dev-tools.js', 'package.json']);
    expect(existsSync(join(pkg.root, 'dist', 'cli.cjs'))).toBe(true);
  });
});

describe('runtime files of the installed package', () => {
  it('every runtime file named in runtime-files.ts exists in the installed package', async () => {
    // The names the bundles were built with (runtime-files.ts is compiled into each of them).
    expect(Object.keys(RUNTIME_FILES).length).toBeGreaterThan(0);
    for (const [name, path] of Object.entries({ ...RUNTIME_FILES, ...UI_FILES }))
      expect(existsSync(join(pkg.root, path)), `${name}: ${path}`).toBe(true);
    // Each bundle that starts workers names the worker as runtime-files.ts does.
    for (const bundle of ['dist/cli.cjs', RUNTIME_FILES.worker, UI_FILES.dashboard])
      expect(readFileSync(join(pkg.root, bundle), 'utf8'), bundle).toContain(RUNTIME_FILES.worker);
  });

  it('what the installed CLI spawns (a worker; a group stopper when it reaps a killed one) is a file of the package', async () => {
    const spawns = join(h.home, 'spawns.txt');
    h.writeConfig({ cancelGraceMs: 300 });
    const launched = recorded(['task', 'web', 'sleeper', '-b', '--json', '--', 'sh', '-c', 'sleep 300'], spawns);
    expect(launched.code, launched.stderr).toBe(0);
    const id = (JSON.parse(launched.stdout) as Task).id;
    const running = await waitFor(() => {
      const t = h.task(id);
      return t.pid && t.commandPid ? t : undefined;
    }, 'the command to run');
    process.kill(running.pid!, 'SIGKILL');
    await waitFor(() => {
      try {
        process.kill(running.pid!, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 'the worker to be gone');
    const status = recorded(['status', '--all'], spawns);
    expect(status.code, status.stderr).toBe(0);
    expect(h.task(id).status).toBe('interrupted');
    await waitFor(() => groupMembers(running.commandPid!).length === 0 || undefined, 'the command group to be stopped', 20_000);

    const root = realpathSync(pkg.root);
    const scripts = nodeScripts(readSpawns(spawns)).map((s) => s.script);
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    for (const script of scripts) {
      expect(existsSync(script), script).toBe(true);
      expect(realpathSync(script).startsWith(`${root}/`), `${script} is in the installed package`).toBe(true);
    }
    expect(scripts.map((s) => basename(s))).toEqual(expect.arrayContaining([basename(RUNTIME_FILES.worker)]));
  });

  it('the CommonJS bundles require only node: builtins and the dependencies the install has', () => {
    const deps = Object.keys((JSON.parse(readFileSync(join(pkg.root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);
    for (const bundle of ['dist/cli.cjs', RUNTIME_FILES.worker, RUNTIME_FILES.groupStopper]) {
      const text = readFileSync(join(pkg.root, bundle), 'utf8');
      const required = [...text.matchAll(/\brequire\(\s*["']([^"'\n]+)["']\s*\)/g)].map((m) => m[1]!);
      expect(
        required.filter((r) => !r.startsWith('node:') && !deps.includes(r)),
        bundle,
      ).toEqual([]);
      for (const dep of required.filter((r) => deps.includes(r))) expect(existsSync(join(pkg.prefix, 'node_modules', dep)), dep).toBe(true);
    }
  });

  it('the bundled UI imports nothing the install lacks: only node: builtins outside the bundle (no React DevTools)', () => {
    const dir = join(pkg.root, 'dist', 'ui');
    const bare = new Set<string>();
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      const specifiers = [
        /\bfrom\s*["']([^"'\n]+)["']/g, // import … from, export … from
        /\bimport\s*["']([^"'\n]+)["']/g, // import 'x'
        /\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g, // import('x')
        /\brequire\(\s*["']([^"'\n]+)["']\s*\)/g, // the CommonJS dependencies' require('x')
      ];
      for (const re of specifiers) for (const m of text.matchAll(re)) if (!/^[./]/.test(m[1]!)) bare.add(m[1]!);
    }
    const foreign = [...bare].filter((s) => !s.startsWith('node:') && !['assert', 'events', 'module'].includes(s));
    expect(foreign).toEqual([]);
  });
});
