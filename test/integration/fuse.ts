// A FUSE view of a folder (bindfs), as a shared filesystem looks from a login node: what
// is written under REAL shows under VIEW, but raises no inotify event there. .ci/run
// installs bindfs; without it (or without /dev/fuse) these tests skip outside CI and fail in it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach } from 'vitest';

/** Why a FUSE view cannot be mounted here, or null. */
function unavailable(): string | null {
  if (spawnSync('sh', ['-c', 'command -v bindfs'], { stdio: 'ignore' }).status !== 0)
    return 'bindfs is not installed (apt-get install bindfs)';
  if (!existsSync('/dev/fuse')) return '/dev/fuse does not exist (a container without FUSE: run it with --device /dev/fuse)';
  const probe = mkdtempSync(join(tmpdir(), 'dev-tools-fuse-probe-'));
  try {
    const view = mountView(join(probe, 'real'), join(probe, 'view'));
    view.unmount();
    return null;
  } catch (err) {
    return `bindfs cannot mount here: ${(err as Error).message}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

let reason: string | null | undefined;
export function fuseSkipReason(): string | null {
  return (reason ??= unavailable());
}

/** As requireCluster: outside CI a missing FUSE skips the tests that need it, saying why; with CI=true it fails them. */
export function requireFuse(): void {
  beforeAll(() => {
    const why = fuseSkipReason();
    if (why === null) return;
    if (process.env.CI === 'true') throw new Error(`CI=true, but a FUSE view cannot be mounted: ${why}`);
    process.stderr.write(`FUSE tests skipped: ${why}\n`);
  });
  beforeEach((ctx) => {
    const why = fuseSkipReason();
    if (why !== null && process.env.CI !== 'true') ctx.skip(why);
  });
}

export interface View {
  real: string;
  view: string;
  unmount(): void;
}

/** `bindfs --no-allow-other REAL VIEW`: VIEW shows REAL through FUSE. */
export function mountView(real: string, view: string): View {
  mkdirSync(real, { recursive: true, mode: 0o700 });
  mkdirSync(view, { recursive: true, mode: 0o700 });
  const r = spawnSync('bindfs', ['--no-allow-other', real, view], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error((r.stderr || r.error?.message || `exit ${r.status}`).trim());
  if (!mounted(view)) throw new Error(`bindfs exited 0 but ${view} is not a mount point`);
  return {
    real,
    view,
    unmount: () => {
      // Lazily: a dashboard or a watcher still looking at it must not keep it mounted.
      for (const tool of ['fusermount', 'fusermount3', 'umount']) {
        if (!mounted(view)) return;
        spawnSync(tool, tool === 'umount' ? ['-l', view] : ['-u', '-z', view], { stdio: 'ignore', timeout: 30_000 });
      }
    },
  };
}

export function mounted(path: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === path);
}
