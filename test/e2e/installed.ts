// The package as a user installs it: `npm pack` of this checkout (built by `npm test`),
// installed into a temporary prefix, once for all the e2e files (global-setup.ts). End-to-end
// tests drive that binary, so what they test is the bundle in dist/ui and the files the
// tarball holds, not the source tree.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { ROOT } from '../fixtures/index.js';

/** The package the e2e project's global setup installed for its files. */
export function installedPackage(): Installed {
  return inject('installedPackage');
}

/** The installed package as the tests see it (its global setup removes it). */
export type Installed = Omit<InstalledPackage, 'remove'>;

export interface InstalledPackage {
  /** The temporary prefix (its node_modules holds dev-tools and its dependencies). */
  prefix: string;
  /** The installed package's folder: <prefix>/node_modules/dev-tools. */
  root: string;
  /** The installed `dev-tools` command: <prefix>/node_modules/.bin/dev-tools. */
  bin: string;
  /** What `npm ci` said while installing it. */
  installOutput: string;
  remove(): void;
}

interface LockPackage {
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

// npm run from `npm test` hands its own settings down (the project folder among them):
// the install into the prefix must not see them.
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower === 'init_cwd' || (lower.startsWith('npm_') && !/^npm_config_(cache|userconfig|globalconfig|registry)$/.test(lower)))
      continue;
    env[key] = value;
  }
  return env;
}

function npm(args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', timeout: 180_000 });
  if (r.error) throw new Error(`npm is needed for the end-to-end tests: ${r.error.message}`);
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

/**
 * Packs this checkout and installs the tarball into a fresh prefix. Its dependencies
 * come at the versions of this repository's package-lock.json (a lockfile for the
 * prefix is derived from it), from the npm cache that `npm ci` filled: no network
 * beyond what `npm ci` needed, and the versions the rest of the suite ran with.
 */
export function installPackage(): InstalledPackage {
  if (!existsSync(join(ROOT, 'dist', 'ui', 'run-dashboard.js'))) throw new Error('dist/ is not built: run `npm run build` (npm test does)');
  const prefix = mkdtempSync(join(tmpdir(), 'dev-tools-installed-'));
  try {
    const pack = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', prefix], ROOT);
    if (!pack.ok) throw new Error(`npm pack failed:\n${pack.out}`);
    const tarball = (JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string }[])[0]!.filename;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };
    const dependency = { 'dev-tools': `file:${tarball}` };
    const packages: Record<string, unknown> = {
      '': { name: 'dev-tools-e2e-prefix', dependencies: dependency },
      'node_modules/dev-tools': {
        version: pkg.version,
        resolved: `file:${tarball}`,
        license: pkg.license,
        dependencies: pkg.dependencies,
        bin: pkg.bin,
        engines: pkg.engines,
      },
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = entry;
    }
    writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'dev-tools-e2e-prefix', private: true, dependencies: dependency }));
    writeFileSync(
      join(prefix, 'package-lock.json'),
      JSON.stringify({ name: 'dev-tools-e2e-prefix', lockfileVersion: 3, requires: true, packages }),
    );
    let install = npm(['ci', '--offline', '--no-audit', '--no-fund'], prefix);
    // A cache without some tarball (cleaned since `npm ci`): fetch only what is missing.
    if (!install.ok) install = npm(['ci', '--prefer-offline', '--no-audit', '--no-fund'], prefix);
    if (!install.ok) throw new Error(`installing ${tarball} into ${prefix} failed:\n${install.out}`);
    const root = join(prefix, 'node_modules', 'dev-tools');
    const bin = join(prefix, 'node_modules', '.bin', 'dev-tools');
    if (!existsSync(bin)) throw new Error(`the installed package has no bin at ${bin}`);
    return { prefix, root, bin, installOutput: install.out, remove: () => rmSync(prefix, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(prefix, { recursive: true, force: true });
    throw err;
  }
}

export interface SpawnRecord {
  pid: number;
  call: string;
  file: string;
  args: string[];
}

/** What test/fixtures/record-spawns.mjs wrote. */
export function readSpawns(path: string): SpawnRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpawnRecord);
}

/** Scripts started with node (workers, group stoppers): the file each one runs. */
export function nodeScripts(spawns: SpawnRecord[]): { script: string; record: SpawnRecord }[] {
  return spawns
    .filter((s) => s.file === process.execPath || /(^|\/)node$/.test(s.file) || s.call === 'fork')
    .map((record) => ({ record, script: record.call === 'fork' ? record.file : (record.args.find((a) => !a.startsWith('-')) ?? '') }));
}
