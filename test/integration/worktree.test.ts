// Worktree isolation with real git repositories made in the test's temp dir: each task
// of an isolated project runs in a worktree of its own and records what it changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { BIN, Harness, RECORD_SPAWNS } from './harness.js';
import { branches, git, makeRepo, worktreeList } from '../fixtures/index.js';

let h: Harness;
let repo: string;
beforeEach(() => {
  h = new Harness();
  repo = makeRepo(join(h.home, 'repo'));
});
afterEach(() => {
  h.cleanup();
});

function configure(project: Record<string, unknown> = {}, top: Record<string, unknown> = {}): void {
  h.writeConfig({ ...top, projects: { web: { cwd: repo, isolation: 'worktree', ...project } } });
}

const taskFiles = () => readdirSync(join(h.home, 'tasks')).filter((n) => n.endsWith('.json'));

describe('worktree isolation', () => {
  it('runs two tasks that write the same file in two worktrees: both complete, the project is untouched, each diff is its own', async () => {
    configure();
    // b commits its change: committed, uncommitted and untracked changes all count.
    const a = h.sh('web', 'sleep 0.3; echo A >> shared.txt; echo new > a-only.txt');
    const b = h.sh('web', 'sleep 0.3; echo B >> shared.txt; echo B2 >> shared.txt; git commit -qam b');
    const [da, db] = await Promise.all([h.waitForStatus(a.id, ['completed', 'failed']), h.waitForStatus(b.id, ['completed', 'failed'])]);
    expect([da.status, db.status]).toEqual(['completed', 'completed']);
    const base = git(repo, 'rev-parse', 'HEAD');
    expect(da.worktree).toEqual({ path: join(h.home, 'worktrees', a.id), branch: `dev-tools/${a.id}`, base });
    expect(db.worktree?.path).toBe(join(h.home, 'worktrees', b.id));
    expect(readFileSync(join(da.worktree!.path, 'shared.txt'), 'utf8')).toBe('base\nA\n');
    expect(readFileSync(join(db.worktree!.path, 'shared.txt'), 'utf8')).toBe('base\nB\nB2\n');
    expect(readFileSync(join(repo, 'shared.txt'), 'utf8')).toBe('base\n');
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(da.diff).toEqual({ files: 2, insertions: 2, deletions: 0 });
    expect(db.diff).toEqual({ files: 1, insertions: 2, deletions: 0 });
    // The worktree and branch stay for review; b's commit is on its branch.
    expect(worktreeList(repo)).toEqual(
      [repo, da.worktree!.path, db.worktree!.path].sort((x, y) => (x === repo ? -1 : y === repo ? 1 : x < y ? -1 : 1)),
    );
    expect(git(repo, 'log', '-1', '--format=%s', db.worktree!.branch)).toBe('b');

    const status = h.run(['status', '--all'], { env: { COLUMNS: '160' } });
    expect(status.stdout).toMatch(/DIFF/);
    expect(status.stdout).toContain('+2 -0 2f');
    expect(status.stdout).toContain('+2 -0 1f');
    const json = JSON.parse(h.run(['status', '--all', '--json']).stdout) as Task[];
    expect(json.find((t) => t.id === a.id)).toMatchObject({ worktree: da.worktree, diff: da.diff });

    const diff = h.run(['diff', a.id]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('+A');
    expect(diff.stdout).toContain('+++ b/a-only.txt');
    expect(diff.stderr).toContain(`git merge dev-tools/${a.id}`);
    expect(diff.stderr).toMatch(/2 files are not committed on the branch yet/);
    const stat = h.run(['diff', b.id.slice(0, 5), '--stat']);
    expect(stat.stdout).toMatch(/shared\.txt \| 2 \+\+/);
    expect(stat.stdout).toContain('1 file changed, 2 insertions(+)');
  });

  it('gives a worktree to each of 10 simultaneous launches on one repo at a limit of 10', async () => {
    configure({}, { maxParallelTasks: 10 });
    const clis = Array.from({ length: 10 }, (_, i) =>
      h.start(['task', 'web', `t${i}`, '-b', '--json', '--', 'sh', '-c', `echo ${i} > mine.txt`]),
    );
    const codes = await Promise.all(clis.map((c) => c.exited));
    expect(codes).toEqual(Array(10).fill(0));
    const ids = clis.map((c) => (JSON.parse(c.stdout) as Task).id);
    const done = await Promise.all(ids.map((id) => h.waitForStatus(id, ['completed', 'failed'], 60_000)));
    expect(done.map((t) => [t.status, t.error ?? null])).toEqual(Array(10).fill(['completed', null]));
    expect(new Set(done.map((t) => t.worktree?.path)).size).toBe(10);
    expect(worktreeList(repo)).toHaveLength(11);
    done.forEach((t, i) => {
      expect(readFileSync(join(t.worktree!.path, 'mine.txt'), 'utf8')).toBe(`${i}\n`);
      expect(t.diff).toEqual({ files: 1, insertions: 1, deletions: 0 });
    });
  });

  it('clean removes worktrees, keeps branches with work (--branches deletes them), and takes a worktree deleted by hand', async () => {
    configure();
    const merged = h.sh('web', 'echo scratch > notes.txt; git add notes.txt; git commit -qm notes');
    const unmerged = h.sh('web', 'echo work >> shared.txt; git commit -qam work');
    const gone = h.sh('web', 'true');
    const empty = h.sh('web', 'true');
    const tasks = await Promise.all([merged, unmerged, gone, empty].map((t) => h.waitForStatus(t.id, ['completed'])));
    git(repo, 'worktree', 'remove', '--force', tasks[2]!.worktree!.path);
    git(repo, 'branch', '-D', tasks[2]!.worktree!.branch);
    git(repo, 'merge', '-q', '--ff-only', tasks[0]!.worktree!.branch);

    const r = h.run(['clean']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('removed 4 tasks');
    expect(r.stdout).toContain('removed 4 worktrees');
    expect(r.stdout).toContain(`kept 1 branch with work not merged into its base`);
    expect(r.stdout).toContain(`dev-tools/${unmerged.id} in ${repo}: see it with dev-tools diff ${unmerged.id}`);
    expect(worktreeList(repo)).toEqual([repo]);
    for (const t of tasks) expect(existsSync(t.worktree!.path)).toBe(false);
    // Merged into main, or nothing beyond the base: deleted.
    expect(branches(repo).sort()).toEqual(['dev-tools/' + unmerged.id, 'main'].sort());

    const again = h.sh('web', 'echo more >> shared.txt; git commit -qam more');
    const t = await h.waitForStatus(again.id, ['completed']);
    const all = h.run(['clean', '--branches']);
    expect(all.code).toBe(0);
    expect(all.stdout).not.toMatch(/^kept/m);
    expect(all.stdout).toContain('deleted 1 branch kept by earlier cleans');
    expect(branches(repo)).toEqual(['main']);
    expect(t.worktree!.branch).toMatch(/^dev-tools\//);
  });

  it('refuses a project that is not a git repo, and a bad --base, at launch: nothing created', () => {
    h.writeConfig({ projects: { web: { cwd: h.home, isolation: 'worktree' }, ok: { cwd: repo, isolation: 'worktree' } } });
    const r = h.run(['task', 'web', 'nope', '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dev-tools: project "web" runs in a worktree, but .* is not in a git repository/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const forced = h.run(['task', 'other', 'nope', '-b', '--worktree', '--', 'true'], { cwd: h.home });
    expect(forced.code).toBe(2);
    const base = h.run(['task', 'ok', 'nope', '-b', '--base', 'no-such-branch', '--', 'true']);
    expect(base.code).toBe(2);
    expect(base.stderr).toContain('--base "no-such-branch" is not a commit of');
    expect(taskFiles()).toEqual([]);
    expect(readdirSync(join(h.home, 'worktrees'))).toEqual([]);
  });

  it("works on the project's repo even when launched from a git hook (GIT_DIR and GIT_WORK_TREE set to another repo)", async () => {
    configure();
    const other = makeRepo(join(h.home, 'other'), { 'other.txt': 'x\n' });
    const r = h.run(['task', 'web', 'from a hook', '-b', '--json', '--', 'sh', '-c', 'echo hi >> shared.txt'], {
      env: { GIT_DIR: join(other, '.git'), GIT_WORK_TREE: other },
    });
    expect(r.stderr).toBe('');
    const t = await h.waitForStatus((JSON.parse(r.stdout) as Task).id, ['completed', 'failed']);
    expect(t.status).toBe('completed');
    expect(t.isolation?.repo).toBe(repo);
    expect(worktreeList(repo)).toContain(t.worktree!.path);
    expect(t.diff).toEqual({ files: 1, insertions: 1, deletions: 0 });
  });

  it('status and a launch without isolation run no git (it is loaded only for worktree tasks)', async () => {
    h.writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree' }, plain: { cwd: repo } } });
    const t = h.sh('web', 'echo x >> shared.txt');
    await h.waitForStatus(t.id, ['completed']);
    const gitCalls = (args: string[]): string[][] => {
      const out = join(h.home, 'spawns.txt');
      rmSync(out, { force: true });
      const r = spawnSync(process.execPath, ['--import', RECORD_SPAWNS, BIN, ...args], {
        env: h.env({ RECORD_SPAWNS_TO: out }),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const lines = existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
      return lines
        .map((l) => JSON.parse(l) as { file: string; args: string[] })
        .filter((c) => c.file === 'git')
        .map((c) => c.args);
    };
    expect(gitCalls(['status', '--all'])).toEqual([]);
    expect(gitCalls(['status', '--json'])).toEqual([]);
    expect(gitCalls(['task', 'plain', 'no git', '-b', '--', 'true'])).toEqual([]);
    // The recorder sees git where it runs: a worktree launch resolves the repo and base.
    expect(gitCalls(['task', 'web', 'with git', '-b', '--', 'true']).map((a) => a[0])).toContain('rev-parse');
  });

  it('starts from the commit at launch (or --base), says uncommitted changes stay out, and runs in the cwd at the same place', async () => {
    const first = git(repo, 'rev-parse', 'HEAD');
    makeRepo(repo, { 'app/readme.txt': 'two\n' });
    git(repo, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(repo, 'shared.txt'), 'dirty\n');
    h.writeConfig({ projects: { web: { cwd: join(repo, 'app'), isolation: 'worktree' } } });
    const r = h.run(['task', 'web', 'where', '-b', '--json', '--', 'sh', '-c', 'pwd; cat ../shared.txt']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 file with uncommitted changes in .* stays out of the worktree/);
    const t = await h.waitForStatus((JSON.parse(r.stdout) as Task).id, ['completed']);
    expect(t.isolation).toMatchObject({ repo, base: git(repo, 'rev-parse', 'HEAD'), baseBranch: 'feature' });
    expect(h.log(t.id)).toContain(`${join(t.worktree!.path, 'app')}\nbase\n`);

    // app/ did not exist at the first commit: the task says so instead of running elsewhere.
    const old = h.launch('web', 'old', ['true'], ['--base', first]);
    const o = await h.waitForStatus(old.id, ['completed', 'failed']);
    expect(o).toMatchObject({ status: 'failed', error: `working directory does not exist: ${join(o.worktree!.path, 'app')}` });
    expect(o.worktree!.base).toBe(first);
    const plain = h.launch('web', 'plain', ['sh', '-c', 'pwd'], ['--no-worktree']);
    const p = await h.waitForStatus(plain.id, ['completed']);
    expect(p.worktree ?? null).toBeNull();
    expect(h.log(p.id)).toContain(`${join(repo, 'app')}\n`);
  });
});
