// Worktree faults: the repo gone while a task waits, a worktree that cannot be made
// (a full disk, a failing checkout hook) leaving nothing registered.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness } from '../integration/harness.js';
import { branches, git, makeRepo, worktreeList } from '../integration/git-repo.js';
import { canMount, mountTmpfs, unmount, writeTask } from './fault-kit.js';

let h: Harness;
let repo: string;
let mounted: string[];
let scratch: string;
let mountable = false;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'dev-tools-faults-'));
  mountable = canMount(scratch);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  h = new Harness();
  mounted = [];
  repo = makeRepo(join(h.home, 'repo'));
  h.writeConfig({ maxParallelTasks: 1, projects: { web: { cwd: repo, isolation: 'worktree' } } });
});
afterEach(() => {
  for (const m of mounted) unmount(m);
  h.cleanup();
});

/** Nothing of task `id` is left in git or on disk: no registered worktree, no branch, no folder. */
function nothingLeft(id: string): void {
  expect(worktreeList(repo)).toEqual([repo]);
  expect(branches(repo)).toEqual(['main']);
  expect(existsSync(join(h.home, 'worktrees', id))).toBe(false);
}

describe('worktree faults', () => {
  it('a repo deleted while its task is queued: that task fails with a clear error, the queue goes on', async () => {
    const blocker = h.launch('block', 'hold the slot', ['sleep', '1']);
    const doomed = h.sh('web', 'echo never');
    const after = h.launch('other', 'after it', ['true']);
    expect(h.task(doomed.id).status).toBe('queued');
    rmSync(repo, { recursive: true, force: true });
    const d = await h.waitForStatus(doomed.id, ['failed', 'completed']);
    expect(d.status).toBe('failed');
    expect(d.error).toBe(`the project's repository ${repo} is gone (deleted or moved since the task was launched)`);
    expect(h.log(doomed.id)).toContain(d.error);
    expect((await h.waitForStatus(after.id, ['completed', 'failed'])).status).toBe('completed');
    expect(h.task(blocker.id).status).toBe('completed');
    expect(existsSync(join(h.home, 'worktrees', doomed.id))).toBe(false);
  });

  it('a checkout that fails half-way (its post-checkout hook) leaves no worktree registered, no branch, no folder', async () => {
    mkdirSync(join(repo, '.git', 'hooks'), { recursive: true });
    writeFileSync(join(repo, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\necho hook refuses >&2\nexit 3\n');
    chmodSync(join(repo, '.git', 'hooks', 'post-checkout'), 0o755);
    const t = h.sh('web', 'echo never > ran');
    const d = await h.waitForStatus(t.id, ['failed', 'completed']);
    expect(d.status).toBe('failed');
    expect(d.error).toBe('cannot create the worktree: hook refuses');
    expect(d.stage?.name).toBe('worktree');
    expect(d.worktree ?? null).toBeNull();
    nothingLeft(t.id);
  });

  it('a full disk while adding the worktree: the task fails, nothing half-made is registered', async (ctx) => {
    if (!mountable) ctx.skip();
    makeRepo(repo, { 'big.bin': 'x'.repeat(256 * 1024) });
    mkdirSync(join(h.home, 'worktrees'), { mode: 0o700 });
    expect(mountTmpfs(join(h.home, 'worktrees'), '64k')).toBe(true);
    mounted.push(join(h.home, 'worktrees'));
    const t = h.sh('web', 'echo never > ran');
    const d = await h.waitForStatus(t.id, ['failed', 'completed']);
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/^cannot create the worktree: .*(No space left on device|the disk is full)/);
    nothingLeft(t.id);
  });

  it('a worker killed while adding its worktree recorded none: clean still removes what git made, and its branch', () => {
    const id = 'k1lled00';
    const base = git(repo, 'rev-parse', 'HEAD');
    // What git leaves when its worker dies right after `git worktree add`: a registered worktree and a branch.
    git(repo, 'worktree', 'add', '-q', '-b', `dev-tools/${id}`, join(h.home, 'worktrees', id), base);
    writeTask(
      h,
      {
        id,
        status: 'interrupted',
        completedAt: new Date().toISOString(),
        error: 'worker 1 died while running',
        isolation: { repo, base, baseBranch: 'main', setup: [], copy: [] },
      },
      'done',
    );
    const r = h.run(['clean', '--all']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('removed 1 task');
    expect(r.stdout).toContain('removed 1 worktree');
    nothingLeft(id);
  });
});
