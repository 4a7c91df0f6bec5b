#!/usr/bin/env node
// The `dev-tools` command: loads the CLI bundle (dist/cli.cjs, see bin/build.mjs) with a V8
// code cache, so a command starts without compiling the CLI again. This is CommonJS
// (bin/package.json) because an ES module entry costs Node's ESM loader, some 4 ms.
//
// The cache is one file per subcommand (each holds the code that subcommand ran) in
// $XDG_CACHE_HOME/dev-tools (else ~/.cache/dev-tools), a 0700 folder of this user. It
// can never break the command: a cache that is missing, unreadable, not ours, made by
// another Node version or for another build of the bundle (its path, size, mtime, ctime
// and inode), or refused by V8 is left aside; the command runs from the source and
// writes a new cache as it exits (if the folder can be written; else it runs without).
'use strict';
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readSync, renameSync, unlinkSync, writeSync } = require('node:fs');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'cli.cjs');
// The CLI's subcommands, each with a cache of its own (test/integration/code-cache.test.ts checks the list against the CLI's help).
const COMMANDS = [
  'task',
  'status',
  'logs',
  'cancel',
  'restart',
  'wait',
  'send',
  'attach',
  'pause',
  'resume',
  'priority',
  'approve',
  'reject',
  'diff',
  'clean',
  'ui',
  'demo',
];
const euid = typeof process.geteuid === 'function' ? process.geteuid() : null;

function cacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(process.env.HOME || require('node:os').homedir(), '.cache'), 'dev-tools');
}

/** The cache's contents when it is ours and was made for exactly this bundle and Node; else null. */
function readCache(file, key) {
  let fd;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || (euid !== null && st.uid !== euid) || st.size <= key.length || st.size > 64 * 1024 * 1024) return null;
    const data = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < st.size) {
      const got = readSync(fd, data, off, st.size - off, off);
      if (got === 0) return null;
      off += got;
    }
    return data.latin1Slice(0, key.length) === key ? data.subarray(key.length) : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Writes the cache whole (temp file, rename) into a folder that is ours; any failure means no cache. */
function writeCache(file, key, data) {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // The cache home, then its dev-tools folder; no deeper (a recursive mkdir can spin on /proc and the like).
    for (const d of [dirname(dir), dir]) {
      try {
        mkdirSync(d, { mode: 0o700 });
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
      }
    }
    const st = lstatSync(dir);
    if (!st.isDirectory() || (euid !== null && st.uid !== euid)) return;
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for (const part of [Buffer.from(key, 'latin1'), data]) for (let off = 0; off < part.length;) off += writeSync(fd, part, off);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
  }
}

/** Builds dist/ in a source checkout (bin/build.mjs is not shipped); exits 1 where there is nothing to build from. */
function buildCheckout() {
  const script = join(__dirname, 'build.mjs');
  const { existsSync } = require('node:fs');
  if (!existsSync(script)) {
    process.stderr.write(`dev-tools: ${BUNDLE} is missing: reinstall the package\n`);
    process.exit(1);
  }
  process.stderr.write('dev-tools: building dist/ (a checkout that was not built yet; npm run build does the same)\n');
  const r = require('node:child_process').spawnSync(process.execPath, [script], { stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    process.stderr.write('dev-tools: the build failed: run npm install, then npm run build\n');
    process.exit(1);
  }
}

/** The bundle's text and identity (what its cache is keyed on). */
function readBundle() {
  let fd;
  try {
    fd = openSync(BUNDLE, 'r');
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
    // A checkout that was not built yet (the package as installed always has dist/, and its
    // manifest runs no build at install): build it once, as `npm run build` would.
    buildCheckout();
    fd = openSync(BUNDLE, 'r');
  }
  try {
    const st = fstatSync(fd);
    const data = Buffer.allocUnsafe(st.size);
    for (let off = 0; off < st.size;) {
      const got = readSync(fd, data, off, st.size - off, off);
      if (got === 0) throw new Error(`${BUNDLE} changed while it was read`);
      off += got;
    }
    // esbuild writes it in ASCII (bin/build.mjs checks), so latin1 is exact and the cheapest decoding.
    return { source: data.latin1Slice(0, st.size), id: `${BUNDLE} ${st.size} ${st.mtimeMs} ${st.ctimeMs} ${st.ino}` };
  } finally {
    closeSync(fd);
  }
}

const bundle = readBundle();
const command = COMMANDS.includes(process.argv[2]) ? process.argv[2] : 'other';
const cacheFile = join(cacheDir(), `cli-${command}.v8`);
const key = `dev-tools code cache 1 ${process.version} ${process.arch} ${bundle.id}\n`;
const cached = readCache(cacheFile, key);
const script = new vm.Script(bundle.source, { filename: BUNDLE, cachedData: cached ?? undefined });
if (!cached || script.cachedDataRejected) {
  // At exit the cache holds what this command compiled along the way, not only the top level.
  process.once('exit', () => writeCache(cacheFile, key, script.createCachedData()));
}
const cli = { exports: {} };
// The bundle imports the UI (an ES module) with this import(): a script compiled from a code
// cache has none of its own on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING).
script.runInThisContext()(cli.exports, require, cli, BUNDLE, dirname(BUNDLE), (url) => import(url));
