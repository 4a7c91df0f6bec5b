// Worktree faults: the repo gone while a task waits, a worktree that cannot be made
// (a full disk, a failing checkout hook) leaving nothing registered; git and its hooks
// as steps of the task (a hook that leaves a process behind, a cancel or a killed worker
// while they run); `clean` that never loses what a task left in its worktree.
// Over 250 lines: the scenarios of one area, each on a real repository; they share one set-up.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive, Harness, waitFor } from '../integration/harness.js';
import { branches, git, makeRepo, worktreeList } from '../fixtures/index.js';
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
    // The slot is held until the repo is gone (a fixed sleep ran out on a loaded machine before the launches behind it).
    const release = join(h.home, 'release');
    const blocker = h.launch('block', 'hold the slot', ['sh', '-c', `while [ ! -e '${release}' ]; do sleep 0.05; done`]);
    const doomed = h.sh('web', 'echo never');
    const after = h.launch('other', 'after it', ['true']);
    expect(h.task(doomed.id).status).toBe('queued');
    rmSync(repo, { recursive: true, force: true });
    writeFileSync(release, '');
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

/** An executable hook of the repo (`post-checkout`, `pre-commit`). */
function hook(name: string, body: string): void {
  mkdirSync(join(repo, '.git', 'hooks'), { recursive: true });
  writeFileSync(join(repo, '.git', 'hooks', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** A pid a hook wrote into `file`, once it is there. */
async function pidIn(file: string): Promise<number> {
  return waitFor(
    () => {
      try {
        const pid = Number(readFileSync(file, 'utf8').trim());
        return pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    `a pid in ${file}`,
    20_000,
  );
}

describe('git and its hooks are steps of the task', () => {
  it('a post-checkout hook that leaves a background process holding its output: the task goes on at once, and that process is stopped', async () => {
    const left = join(h.home, 'left.pid');
    hook('post-checkout', `sleep 60 & echo $! > ${left}\nexit 0`);
    const t = h.sh('web', 'echo ran');
    // Was: the task hung in stage `worktree` until the leftover exited (git's pipes were read to their close).
    const done = await h.waitForStatus(t.id, ['completed', 'failed'], 20_000);
    expect(done.status).toBe('completed');
    expect(h.log(t.id)).toContain('ran');
    const pid = await pidIn(left);
    await waitFor(() => !alive(pid) || undefined, "the hook's leftover to be stopped", 10_000);
  });

  it('cancel while git runs a slow hook: cancel returns once git, the hook and its child are gone; the task is cancelled', async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 500, projects: { web: { cwd: repo, isolation: 'worktree' } } });
    const hookPid = join(h.home, 'hook.pid');
    const childPid = join(h.home, 'child.pid');
    hook('post-checkout', `echo $$ > ${hookPid}\nsleep 60 & echo $! > ${childPid}\nwait`);
    const t = h.sh('web', 'echo never');
    const [hp, cp] = [await pidIn(hookPid), await pidIn(childPid)];
    expect(h.task(t.id).stage?.name).toBe('worktree');
    const c = h.run(['cancel', t.id]);
    expect(c.code, c.stderr).toBe(0);
    // Was: "stopped" while the hook and its child still ran (git ran outside the task's ledger).
    expect([alive(hp), alive(cp)]).toEqual([false, false]);
    const done = await h.waitForStatus(t.id, ['cancelled', 'failed', 'completed']);
    expect(done.status).toBe('cancelled');
    expect(h.log(t.id)).not.toContain('never');
    nothingLeft(t.id);
  });

  it("a worker killed during `git worktree add`: the next status stops git, its hook and the hook's child", async () => {
    h.writeConfig({ maxParallelTasks: 1, cancelGraceMs: 500, projects: { web: { cwd: repo, isolation: 'worktree' } } });
    const hookPid = join(h.home, 'hook.pid');
    const childPid = join(h.home, 'child.pid');
    hook('post-checkout', `echo $$ > ${hookPid}\nsleep 60 & echo $! > ${childPid}\nwait`);
    const t = h.sh('web', 'echo never');
    const [hp, cp] = [await pidIn(hookPid), await pidIn(childPid)];
    const worker = h.task(t.id).pid!;
    process.kill(worker, 'SIGKILL');
    await waitFor(() => !alive(worker) || undefined, 'the worker to die');
    expect(h.run(['status']).code).toBe(0);
    // Was: git, the hook and its child ran on, found by nobody.
    await waitFor(() => (!alive(hp) && !alive(cp)) || undefined, 'the hook and its child to be stopped', 15_000);
    const done = await h.waitForStatus(t.id, ['interrupted']);
    expect(done.error).toMatch(/^worker \d+ died while running/);
    await waitFor(() => !existsSync(join(h.home, 'run', t.id)) || (h.run(['status']), undefined), 'its ledger to go', 15_000);
  });
});

describe('clean never loses what a task left in its worktree', () => {
  it("commits a task's uncommitted and untracked work onto its branch (not its hooks), keeps the branch, and says how to get it", async () => {
    hook('pre-commit', 'exit 1');
    const t = h.sh('web', 'echo more >> shared.txt; echo new > untracked.txt');
    const done = await h.waitForStatus(t.id, ['completed']);
    // No identity anywhere: the commit is still made.
    git(repo, 'config', '--unset', 'user.email');
    git(repo, 'config', '--unset', 'user.name');
    const r = h.run(['clean'], { env: { HOME: h.home, GIT_CONFIG_NOSYSTEM: '1', XDG_CONFIG_HOME: h.home } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('removed 1 task');
    expect(r.stdout).toContain('removed 1 worktree');
    expect(r.stdout).toContain(`kept 1 branch with work not merged into its base (dev-tools clean --branches deletes it):`);
    expect(r.stdout).toContain(`dev-tools/${t.id} in ${repo} (the 2 uncommitted files its task left, committed onto it)`);
    expect(r.stdout).toContain(`dev-tools diff ${t.id}`);
    expect(r.stdout).toContain(`git switch dev-tools/${t.id}`);
    // Was: the worktree removed and its branch, with no commit, deleted as merged: the work was gone.
    expect(existsSync(done.worktree!.path)).toBe(false);
    expect(branches(repo)).toContain(`dev-tools/${t.id}`);
    expect(git(repo, 'log', '-1', '--format=%s', `dev-tools/${t.id}`)).toBe(`dev-tools ${t.id}: run web`);
    expect(git(repo, 'show', `dev-tools/${t.id}:untracked.txt`)).toBe('new');
    expect(git(repo, 'show', `dev-tools/${t.id}:shared.txt`)).toBe('base\nmore');
    // The task is gone; its diff is not.
    const diff = h.run(['diff', t.id]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('+more');
    expect(diff.stdout).toContain('+++ b/untracked.txt');
    expect(diff.stderr).toContain(`branch dev-tools/${t.id}`);
  });

  it('clean --branches still deletes the branches an earlier clean kept, after their tasks are gone', async () => {
    const t = h.sh('web', 'echo work >> shared.txt; git commit -qam work');
    await h.waitForStatus(t.id, ['completed']);
    const first = h.run(['clean']);
    expect(first.stdout).toContain(`dev-tools/${t.id}`);
    expect(first.stdout).toContain('dev-tools clean --branches deletes it');
    expect(branches(repo)).toContain(`dev-tools/${t.id}`);
    // Was: "nothing to clean", and the branch stayed.
    const r = h.run(['clean', '--branches']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deleted 1 branch kept by earlier cleans');
    expect(branches(repo)).toEqual(['main']);
    expect(h.run(['diff', t.id]).code).toBe(1);
  });

  it("a worktree whose repository was deleted is the only copy of the task's work: clean keeps it, with its task", async () => {
    const t = h.sh('web', 'echo only-here > result.txt');
    const done = await h.waitForStatus(t.id, ['completed']);
    rmSync(repo, { recursive: true, force: true });
    const r = h.run(['clean']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kept task ${t.id} and its worktree ${done.worktree!.path}: its repository ${repo} is gone`);
    // Was: the folder deleted with the files in it.
    expect(readFileSync(join(done.worktree!.path, 'result.txt'), 'utf8')).toBe('only-here\n');
    expect(h.run(['status', '--all']).stdout).toContain(t.id);
  });

  it('a worktree whose work cannot be put on its branch (a detached HEAD) is kept, with its task, and clean says why', async () => {
    const t = h.sh('web', 'git checkout -q --detach; echo loose >> shared.txt');
    const done = await h.waitForStatus(t.id, ['completed']);
    const r = h.run(['clean']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `kept task ${t.id} and its worktree ${done.worktree!.path}: its worktree is on a detached HEAD, not on dev-tools/${t.id}`,
    );
    expect(readFileSync(join(done.worktree!.path, 'shared.txt'), 'utf8')).toBe('base\nloose\n');
    expect(h.run(['status', '--all']).stdout).toContain(t.id);
    expect(h.run(['diff', t.id]).stdout).toContain('+loose');
  });
});
