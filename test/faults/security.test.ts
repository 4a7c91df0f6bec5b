// Security: permissions whatever the umask, loose state directories, planted
// symlinks, descriptions that never reach a shell, secrets that stay out of files.
// Over 250 lines: the scenarios of one area, each with real processes; they share one set-up, so they stay together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, Harness, waitFor } from '../integration/harness.js';
import { IS_ROOT, setprivPrefix, writeTask } from './fault-kit.js';
import { makeRepo } from '../fixtures/index.js';

let h: Harness;
let victims: string[];
beforeEach(() => {
  h = new Harness();
  victims = [];
});
afterEach(() => {
  h.cleanup();
  for (const v of victims) rmSync(v, { recursive: true, force: true });
});

function victimDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dev-tools-victim-'));
  victims.push(dir);
  return dir;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out.push(p);
    if (lstatSync(p).isDirectory()) walk(p, out);
  }
  return out;
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe('permissions', () => {
  it('state dir 0700 and every file 0600 even under umask 000', async () => {
    rmSync(h.home, { recursive: true, force: true });
    const r = spawnSync(
      'sh',
      ['-c', `umask 000; exec "${process.execPath}" "${BIN}" task web perms -b --json -- sh -c 'echo out; echo "::progress 50"'`],
      {
        env: h.env(),
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    const id = JSON.parse(r.stdout).id as string;
    // Returns once the worker has exited too: nothing moves while the tree is walked.
    await h.waitForStatus(id, ['completed']);
    expect(readdirSync(join(h.home, 'history')).length).toBeGreaterThan(0);
    expect(mode(h.home)).toBe(0o700);
    const entries = walk(h.home);
    expect(entries.length).toBeGreaterThan(5);
    for (const p of entries) expect([p, mode(p)]).toEqual([p, statSync(p).isDirectory() ? 0o700 : 0o600]);
  });

  it('a pre-existing state dir with loose permissions is tightened, folders and all', () => {
    for (const d of ['tasks', 'tasks/done', 'logs', 'locks', 'history']) mkdirSync(join(h.home, d), { recursive: true });
    for (const d of ['', 'tasks', 'tasks/done', 'logs', 'locks', 'history']) chmodSync(join(h.home, d), 0o777);
    expect(h.run(['status']).code).toBe(0);
    for (const d of ['', 'tasks', 'tasks/done', 'logs', 'locks', 'history']) expect([d, mode(join(h.home, d))]).toEqual([d, 0o700]);
  });

  it('a symlink planted for a state folder (tasks/, logs/) is refused; its target keeps its permissions and gets no files', () => {
    // A loose state dir let someone plant logs -> a directory of theirs (or of the user's elsewhere).
    chmodSync(h.home, 0o777);
    const target = victimDir();
    chmodSync(target, 0o755);
    symlinkSync(target, join(h.home, 'logs'));
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/logs.*symbolic link/);
    expect(mode(target)).toBe(0o755);
    expect(readdirSync(target)).toEqual([]);
  });
});

describe('planted symlinks', () => {
  it('a symlink planted at tasks/<id>.json of a running task is replaced, never written through', async () => {
    const target = join(victimDir(), 'precious');
    writeFileSync(target, 'do not touch\n');
    const t = h.sh('web', 'sleep 0.5; echo "::progress 50"; sleep 0.5');
    await waitFor(() => h.task(t.id).pid || undefined, 'the worker');
    const path = join(h.home, 'tasks', `${t.id}.json`);
    rmSync(path);
    symlinkSync(target, path);
    await h.waitForStatus(t.id, ['completed'], 15_000);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
  });

  it('a symlink planted at logs/<id>.log of a queued task is not followed: the task fails with the reason, the target is untouched', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const target = join(victimDir(), 'precious');
    writeFileSync(target, 'do not touch\n');
    const flag = join(h.home, 'go');
    const first = h.sh('web', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    const queued = h.sh('web', 'echo written-through');
    expect(queued.status).toBe('queued');
    symlinkSync(target, join(h.home, 'logs', `${queued.id}.log`));
    writeFileSync(flag, '');
    await h.waitForStatus(first.id, ['completed']);
    const failed = await h.waitForStatus(queued.id, ['failed', 'interrupted'], 20_000);
    // The log is created new (O_EXCL): anything already at its path was planted, link or not.
    expect(failed.error).toMatch(/its log .* already exists \(not made by dev-tools: remove it\)/);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
  });
});

describe('data never becomes code, secrets never become files', () => {
  it("the description reaches a pipeline stage only as $DEV_TOOLS_TASK_DESCRIPTION, never in the stage's shell line", async () => {
    const pwned = join(h.home, 'pwned');
    h.writeConfig({ projects: { web: { cwd: h.home, stages: [{ name: 'show', run: 'printf "%s" "$DEV_TOOLS_TASK_DESCRIPTION"' }] } } });
    const description = `$(touch ${pwned}); touch ${pwned} \`touch ${pwned}\` ' " \\`;
    const r = h.run(['task', 'web', description, '-b', '--json']);
    expect(r.code).toBe(0);
    const id = JSON.parse(r.stdout).id as string;
    await h.waitForStatus(id, ['completed']);
    expect(h.log(id)).toContain(description);
    expect(existsSync(pwned)).toBe(false);
  });

  it("the launching shell's secrets stay out of the task file, also after restart", async () => {
    h.writeConfig({ projects: { web: { env: { NODE_ENV: 'development' } } } });
    const secrets = { SECRET_TOKEN: 'hunter2-secret', AWS_SECRET_ACCESS_KEY: 'aws-secret-value' };
    const r = h.run(['task', 'web', 'env', '-b', '--json', '--', 'true'], { env: secrets });
    const id = JSON.parse(r.stdout).id as string;
    await h.waitForStatus(id, ['completed']);
    const again = h.run(['restart', id, '-b'], { env: secrets });
    expect(again.code).toBe(0);
    const restartedId = /(\w{8})/.exec(again.stdout.split('\n')[0]!.replace(/^\S+\s/, ''))![1]!;
    await h.waitForStatus(restartedId, ['completed']);
    for (const tid of [id, restartedId]) {
      const text = JSON.stringify(h.task(tid));
      expect(text).not.toContain('hunter2-secret');
      expect(text).not.toContain('aws-secret-value');
      expect(h.task(tid).env).toEqual({ NODE_ENV: 'development' });
    }
  });
});

describe('a state dir of another user', () => {
  const OTHER = 65534;
  function chownTree(dir: string, uid: number): void {
    spawnSync('chown', ['-R', `${uid}:${uid}`, dir]);
  }

  it('root refuses a state dir owned by another user, with one line naming the owner and the fix; nothing runs', (ctx) => {
    if (!IS_ROOT) ctx.skip();
    // A second user made the folder in a shared place, as in the probe: 0777 or 0700, theirs.
    for (const d of ['tasks/done', 'logs', 'locks', 'history']) mkdirSync(join(h.home, d), { recursive: true });
    chmodSync(h.home, 0o777);
    chownTree(h.home, OTHER);
    const pwned = join(h.home, 'pwned');
    const r = h.run(['task', 'build', 'harmless echo', '-b', '--', 'sh', '-c', `id > ${pwned}`]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `state directory ${h.home} is owned by uid ${OTHER}, not by you \\(uid 0\\): refusing to use it \\(remove it, or set DEV_TOOLS_HOME to a directory of your own\\)`,
      ),
    );
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
    for (const args of [['status'], ['ui'], ['clean']]) expect(h.run(args).code, args.join(' ')).toBe(1);
    expect(existsSync(pwned)).toBe(false);
    // Its mode was left alone: it is not ours to tighten.
    expect(mode(h.home)).toBe(0o777);
  });

  it('a folder inside our state dir owned by another user is refused too', (ctx) => {
    if (!IS_ROOT) ctx.skip();
    expect(h.run(['status']).code).toBe(0);
    chownTree(join(h.home, 'tasks'), OTHER);
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`state directory ${h.home}/tasks is owned by uid ${OTHER}`));
  });

  it('a task file or config.json planted by another user while a folder was loose is not trusted, so its command never runs', async (ctx) => {
    if (!IS_ROOT) ctx.skip();
    expect(h.run(['status']).code).toBe(0);
    const pwned = join(h.home, 'pwned');
    const planted = writeTask(h, { id: 'planted1', status: 'queued', command: ['sh', '-c', `id > ${pwned}`] });
    chownTree(join(h.home, 'tasks', `${planted.id}.json`), OTHER);
    const status = h.run(['status', '--all']);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(/planted1\.json is unreadable \(file is owned by uid 65534, not by you \(uid 0\): not trusted\)/);
    h.writeConfig({ projects: { web: { cwd: h.home, stages: [{ name: 's', run: `id > ${pwned}` }] } } });
    chownTree(join(h.home, 'config.json'), OTHER);
    const r = h.run(['task', 'web', 'x', '-b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.json .* is owned by uid 65534, not by you \(uid 0\): refusing to run its commands/);
    // No worker (nor anything else) of this state dir is left to run the planted command later.
    await h.settled();
    expect(existsSync(pwned)).toBe(false);
  });
});

describe('every folder checked before anything runs in it; a state dir reached through a link', () => {
  const OTHER = 65534;

  it('worktrees/ made by another user in a loose state dir is refused: no worktree task runs in it', async (ctx) => {
    const prefix = setprivPrefix();
    if (!prefix) ctx.skip();
    const repo = makeRepo(join(h.home, 'repo'));
    h.writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree' } } });
    expect(h.run(['status']).code).toBe(0);
    rmSync(join(h.home, 'worktrees'), { recursive: true, force: true });
    chmodSync(h.home, 0o777);
    // The other user, for real: a folder of theirs where our worktrees go, where they can swap a checkout for a build.sh of theirs.
    const made = spawnSync(prefix![0]!, [...prefix!.slice(1), 'mkdir', '-m', '777', join(h.home, 'worktrees')]);
    expect(made.status).toBe(0);
    expect(statSync(join(h.home, 'worktrees')).uid).toBe(OTHER);
    const pwned = join(h.home, 'pwned');
    const r = h.run(['task', 'web', 'x', '-b', '--', 'sh', '-c', `id > ${pwned}`]);
    // Was: accepted, and the task's worktree made in that folder.
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`state directory ${h.home}/worktrees is owned by uid ${OTHER}, not by you \\(uid 0\\)`));
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(readdirSync(join(h.home, 'worktrees'))).toEqual([]);
    await h.settled();
    expect(existsSync(pwned)).toBe(false);
  });

  it("a worktree's folder is made 0700 before git checks anything out into it, whatever the umask", async () => {
    const repo = makeRepo(join(h.home, 'repo'));
    h.writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree' } } });
    const r = spawnSync('sh', ['-c', `umask 000; exec "${process.execPath}" "${BIN}" task web perms -b --json -- true`], {
      env: h.env(),
      encoding: 'utf8',
      cwd: repo,
    });
    expect(r.status, r.stderr).toBe(0);
    const id = JSON.parse(r.stdout).id as string;
    const done = await h.waitForStatus(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    // Was: the worktree's folder as git made it, 0777 under this umask.
    expect([mode(join(h.home, 'worktrees')), mode(done.worktree!.path)]).toEqual([0o700, 0o700]);
  });

  it("a state dir reached through a symbolic link of another user's is refused; the folder it points at is not touched", (ctx) => {
    const prefix = setprivPrefix();
    if (!prefix) ctx.skip();
    const theirs = victimDir();
    spawnSync('chown', [`${OTHER}:${OTHER}`, theirs]);
    const target = victimDir();
    chmodSync(target, 0o755);
    writeFileSync(join(target, 'keep.txt'), 'mine\n');
    const link = join(theirs, 'dev-tools-home');
    expect(spawnSync(prefix![0]!, [...prefix!.slice(1), 'ln', '-s', target, link]).status).toBe(0);
    const r = spawnSync(process.execPath, [BIN, 'status'], { env: h.env({ DEV_TOOLS_HOME: link }), encoding: 'utf8' });
    // Was: followed, the folder chmodded 0700 and filled with state folders.
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      `dev-tools: state directory ${link} is a symbolic link; the link is owned by uid ${OTHER}, not by you (uid 0): refusing to use it (remove it, or set DEV_TOOLS_HOME to a directory of your own)`,
    );
    expect(mode(target)).toBe(0o755);
    expect(readdirSync(target)).toEqual(['keep.txt']);
  });

  it('a folder of ours that is not a state dir yet keeps its mode (state folders go in 0700); one others can write to is refused', () => {
    const target = victimDir();
    chmodSync(target, 0o755);
    writeFileSync(join(target, 'keep.txt'), 'mine\n');
    const link = join(victimDir(), 'home-link');
    symlinkSync(target, link);
    const r = spawnSync(process.execPath, [BIN, 'status'], { env: h.env({ DEV_TOOLS_HOME: link }), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // Was: chmodded to 0700, though it was not a dev-tools folder.
    expect(mode(target)).toBe(0o755);
    expect(mode(join(target, 'tasks'))).toBe(0o700);
    const loose = victimDir();
    writeFileSync(join(loose, 'keep.txt'), 'mine\n');
    chmodSync(loose, 0o777);
    const refused = spawnSync(process.execPath, [BIN, 'status'], { env: h.env({ DEV_TOOLS_HOME: loose }), encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`state directory ${loose} can be written by other users (mode 777): refusing to use it`);
    expect(mode(loose)).toBe(0o777);
    expect(readdirSync(loose)).toEqual(['keep.txt']);
  });
});

describe('planted files in the state dir', () => {
  it('a hard link planted at logs/<id>.log of a queued task: the task fails with the reason, the target gets nothing', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const target = join(victimDir(), 'precious');
    writeFileSync(target, 'do not touch\n');
    const flag = join(h.home, 'go');
    const first = h.sh('web', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    const queued = h.sh('web', 'echo written-through');
    expect(queued.status).toBe('queued');
    linkSync(target, join(h.home, 'logs', `${queued.id}.log`));
    writeFileSync(flag, '');
    await h.waitForStatus(first.id, ['completed']);
    const failed = await h.waitForStatus(queued.id, ['failed', 'interrupted'], 20_000);
    expect(failed.error).toMatch(/its log .* already exists/);
    expect(readFileSync(target, 'utf8')).toBe('do not touch\n');
  });

  it('a dangling symlink at locks/scheduler.lock is removed, not waited on: task -b starts at once', async () => {
    expect(h.run(['status']).code).toBe(0);
    symlinkSync(join(h.home, 'nowhere'), join(h.home, 'locks', 'scheduler.lock'));
    const before = Date.now();
    const r = h.run(['task', 'web', 'x', '-b', '--json', '--', 'true']);
    expect(r.code).toBe(0);
    expect(Date.now() - before).toBeLessThan(5000);
    const id = JSON.parse(r.stdout).id as string;
    await h.waitForStatus(id, ['completed']);
    expect(existsSync(join(h.home, 'nowhere'))).toBe(false);
  });

  it('a folder at locks/scheduler.lock is refused with a clear error, never a silent stall', () => {
    expect(h.run(['status']).code).toBe(0);
    mkdirSync(join(h.home, 'locks', 'scheduler.lock'));
    const before = Date.now();
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/scheduler\.lock is a folder, not a lock file: remove it/);
    expect(Date.now() - before).toBeLessThan(5000);
    // A launch that fails leaves nothing behind (was: the task file, queued for good).
    for (const dir of ['tasks', 'env', 'finish']) expect(readdirSync(join(h.home, dir)).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe("each task runs with its own launching shell's environment", () => {
  it("workers start without NODE_EXTRA_CA_CERTS, yet each command gets its launching shell's, also when another worker starts it", async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const flag = join(h.home, 'go');
    for (const name of ['a.pem', 'b.pem']) writeFileSync(join(h.home, name), '');
    const launch = (label: string, script: string) => {
      const r = h.run(['task', 'web', label, '-b', '--json', '--', 'sh', '-c', script], {
        env: { NODE_EXTRA_CA_CERTS: join(h.home, `${label}.pem`), NODE_OPTIONS: `--title=${label}` },
      });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { id: string; status: string };
    };
    const a = launch('a', `while [ ! -e ${flag} ]; do sleep 0.05; done; echo "a: $NODE_EXTRA_CA_CERTS $NODE_OPTIONS"`);
    const b = launch('b', 'echo "b: $NODE_EXTRA_CA_CERTS $NODE_OPTIONS"; sleep 1');
    expect(b.status).toBe('queued');
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    const running = await waitFor(() => {
      const t = h.task(a.id);
      return t.pid && t.commandPid ? t : undefined;
    }, 'task a to run');
    expect(environ(running.pid!).filter((v) => v.startsWith('NODE_EXTRA_CA_CERTS='))).toEqual([]);
    expect(environ(running.commandPid!)).toContain(`NODE_EXTRA_CA_CERTS=${join(h.home, 'a.pem')}`);
    writeFileSync(flag, '');
    // b starts from a's worker, whose own environment has no NODE_EXTRA_CA_CERTS at all.
    const bRunning = await waitFor(
      () => {
        const t = h.task(b.id);
        return t.pid ? t : undefined;
      },
      'task b to run',
      20_000,
    );
    expect(environ(bRunning.pid!).filter((v) => v.startsWith('NODE_EXTRA_CA_CERTS='))).toEqual([]);
    await h.waitForStatus(b.id, ['completed'], 20_000);
    expect(h.log(a.id)).toContain(`a: ${join(h.home, 'a.pem')} --title=a`);
    expect(h.log(b.id)).toContain(`b: ${join(h.home, 'b.pem')} --title=b`);
  });

  it("a task queued from shell B and started by shell A's worker gets B's environment, never A's", async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const flag = join(h.home, 'go');
    const a = h.run(
      [
        'task',
        'web',
        'from A',
        '-b',
        '--json',
        '--',
        'sh',
        '-c',
        `while [ ! -e ${flag} ]; do sleep 0.05; done; echo "A sees $SECRET_TOKEN"`,
      ],
      {
        env: { SECRET_TOKEN: 'token-of-shell-A', SHELL_NAME: 'A' },
      },
    );
    const aId = JSON.parse(a.stdout).id as string;
    const b = h.run(['task', 'web', 'from B', '-b', '--json', '--', 'sh', '-c', 'echo "B sees $SECRET_TOKEN in $SHELL_NAME"; env'], {
      env: { SECRET_TOKEN: 'token-of-shell-B', SHELL_NAME: 'B', ONLY_IN_B: '1' },
    });
    const bTask = JSON.parse(b.stdout) as { id: string; status: string };
    expect(bTask.status).toBe('queued');
    // Kept on disk while queued: 0600, outside the task file.
    const envFile = join(h.home, 'env', `${bTask.id}.json`);
    expect(mode(envFile)).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain('token-of-shell-B');
    expect(JSON.stringify(h.task(bTask.id))).not.toContain('token-of-shell-B');
    writeFileSync(flag, '');
    await h.waitForStatus(aId, ['completed']);
    await h.waitForStatus(bTask.id, ['completed'], 20_000);
    expect(h.log(aId)).toContain('A sees token-of-shell-A');
    expect(h.log(bTask.id)).toContain('B sees token-of-shell-B in B');
    expect(h.log(bTask.id)).toContain('ONLY_IN_B=1');
    expect(h.log(bTask.id)).not.toContain('token-of-shell-A');
    // Removed once the task had started.
    expect(existsSync(envFile)).toBe(false);
    expect(readdirSync(join(h.home, 'env'))).toEqual([]);
  });

  it('the environment file of a queued task that is cancelled is removed with it', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const flag = join(h.home, 'go');
    const first = h.sh('web', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    const queued = h.sh('web', 'true');
    expect(existsSync(join(h.home, 'env', `${queued.id}.json`))).toBe(true);
    expect(h.run(['cancel', queued.id]).code).toBe(0);
    expect(existsSync(join(h.home, 'env', `${queued.id}.json`))).toBe(false);
    writeFileSync(flag, '');
    await h.waitForStatus(first.id, ['completed']);
    expect(readdirSync(join(h.home, 'env'))).toEqual([]);
  });
});
