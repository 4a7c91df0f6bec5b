// Hostile input: ids that try to leave the state directory, huge and hostile
// descriptions and project names, unknown flags, interactive commands without a TTY.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from '../integration/harness.js';
import { TaskStore } from '../../src/store/tasks.js';
import { statePaths } from '../../src/store/paths.js';
import { UsageError } from '../../src/core/errors.js';
import { DEFAULT_CONFIG } from '../../src/store/config.js';
import { launchTask } from '../../src/runner/launch.js';
import { writeTask } from './fault-kit.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

const ESC_OR_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// Control characters plus the invisible ones that reorder or hide text (bidi overrides and isolates).
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const HOSTILE = '\x1b[2J\x1b]0;pwned\x07\u202eevil\u202c\x9b31m';

describe('hostile ids', () => {
  const hostile = ['../../etc/passwd', '/etc/passwd', 'a/b', '', '.', '..', 'abc.json', 'x'.repeat(10 * 1024), 'ABCD', 'ab\ncd'];

  it('logs, cancel, restart and wait reject each one with exit 1, one clear line, and touch nothing', async () => {
    const t = h.sh('web', 'true');
    await h.waitForStatus(t.id, ['completed']);
    const before = readdirSync(join(h.home, 'tasks', 'done')).sort();
    // Every id through `logs`; the other verbs share the same check, so a few each.
    const cases = [
      ...hostile.map((id) => ['logs', id]),
      ...['cancel', 'restart', 'wait'].flatMap((verb) => ['../../etc/passwd', '/abs', ''].map((id) => [verb, id])),
    ];
    for (const [verb, id] of cases as [string, string][]) {
      {
        const r = h.run([verb, id]);
        expect(r.code, `${verb} ${JSON.stringify(id.slice(0, 20))}`).toBe(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]!.length).toBeLessThan(200);
        expect(r.stderr).toMatch(/invalid task id|no task matches/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    }
    expect(readdirSync(join(h.home, 'tasks', 'done')).sort()).toEqual(before);
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('descriptions and project names', () => {
  it('a 1 MB description is refused as a usage error before any file is written (the dashboard launch path)', async () => {
    const store = new TaskStore(statePaths(h.home)).ensure();
    const spec = { project: 'web', description: 'd'.repeat(1024 * 1024), command: ['true'] };
    await expect(launchTask(store, DEFAULT_CONFIG, spec)).rejects.toThrow(UsageError);
    await expect(launchTask(store, DEFAULT_CONFIG, spec)).rejects.toThrow(/too long/);
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a 100 KB description on the command line is a usage error (exit 2), not a worker that cannot start', () => {
    // 1 MB cannot even reach the CLI on Linux (one argument is at most 128 KiB: E2BIG in the shell).
    const r = h.run(['task', 'web', 'd'.repeat(100 * 1024), '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/description is too long/);
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('shell metacharacters, newlines and escape sequences in a description stay data and never reach the terminal raw', async () => {
    const pwned = join(h.home, 'pwned');
    const description = `one\x1b[2J\x1b[H\x1b]0;title\x07\r\x9b31m $(touch ${pwned}) \`touch ${pwned}\`; touch ${pwned}\nline two\x1b[2J`;
    const r = h.run(['task', 'web', description, '-b', '--', 'sh', '-c', 'printf %s "$DEV_TOOLS_TASK_DESCRIPTION"']);
    expect(r.code).toBe(0);
    // What `task -b` prints about the new task holds no escape or control characters.
    expect(r.stdout).not.toMatch(ESC_OR_CONTROL);
    const id = /started (\w{8})/.exec(r.stdout)![1]!;
    await h.waitForStatus(id, ['completed']);
    expect(h.log(id)).toBe(description);
    expect(h.task(id).description).toBe(description);
    expect(existsSync(pwned)).toBe(false);
    const status = h.run(['status', '--all']);
    expect(status.stdout).not.toMatch(ESC_OR_CONTROL);
  });

  it('project names with metacharacters, separators or control characters are usage errors', () => {
    for (const project of ['web;rm -rf ~', '../web', 'a/b', 'we\nb', 'web\x1b[2J', '$(id)', '', 'p'.repeat(65)]) {
      const r = h.run(['task', project, 'x', '-b', '--', 'true']);
      expect(r.code, JSON.stringify(project)).toBe(2);
      expect(r.stderr).toMatch(/invalid project name/);
      expect(r.stderr).not.toMatch(/\x1b/);
    }
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('strings from files and the environment reach the terminal clean', () => {
  it('a stage name from config.json: status, logs and the foreground stream show it without escapes or bidi controls', async () => {
    h.writeConfig({ projects: { web: { cwd: h.home, stages: [{ name: `build${HOSTILE}`, run: 'echo "::progress 50"; sleep 0.3' }] } } });
    const fg = h.run(['task', 'web', 'stage names']);
    expect(fg.code).toBe(0);
    expect(fg.stdout + fg.stderr).toContain('build');
    expect(fg.stdout + fg.stderr).not.toMatch(UNPRINTABLE);
    const id = h.allTasks()[0]!.id;
    for (const args of [
      ['status', '--all'],
      ['logs', id],
      ['wait', id],
    ]) {
      const r = h.run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout + r.stderr, args.join(' ')).not.toMatch(UNPRINTABLE);
    }
  });

  it("a task file's project, stage and error: status and wait print them clean", () => {
    writeTask(
      h,
      {
        id: 'hostile1',
        project: `web${HOSTILE}`,
        status: 'failed',
        stage: { index: 0, count: 1, name: `st${HOSTILE}` },
        error: `oops${HOSTILE}`,
        exitCode: 3,
      },
      'done',
    );
    const status = h.run(['status', '--all']);
    expect(status.stdout).toContain('hostile1');
    expect(status.stdout + status.stderr).not.toMatch(UNPRINTABLE);
    const wait = h.run(['wait', 'hostile1']);
    expect(wait.code).toBe(1);
    expect(wait.stdout).toContain('oops');
    expect(wait.stdout + wait.stderr).not.toMatch(UNPRINTABLE);
  });

  it('"working directory does not exist" in wait and in the foreground error carries the directory clean', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const dir = join(h.home, `gone${HOSTILE}`);
    mkdirSync(dir);
    const flag = join(h.home, 'go');
    const blocker = h.sh('web', `while [ ! -e ${flag} ]; do sleep 0.05; done`);
    const r = h.run(['task', 'web', 'x', '-b', '--json', '--', 'true'], { cwd: dir });
    const queued = JSON.parse(r.stdout).id as string;
    rmSync(dir, { recursive: true });
    writeFileSync(flag, '');
    await h.waitForStatus(blocker.id, ['completed']);
    await h.waitForStatus(queued, ['failed']);
    const wait = h.run(['wait', queued]);
    expect(wait.stdout).toMatch(/working directory does not exist: .*gone/);
    expect(wait.stdout + wait.stderr).not.toMatch(UNPRINTABLE);
    // The foreground path: a config cwd that does not exist is refused before launch.
    h.writeConfig({ projects: { web: { cwd: dir } } });
    const fg = h.run(['task', 'web', 'y', '--', 'true']);
    expect(fg.code).toBe(2);
    expect(fg.stderr).toMatch(/does not exist: .*gone/);
    expect(fg.stderr).not.toMatch(UNPRINTABLE);
  });
});

describe('project names that are also Object.prototype keys', () => {
  it('task constructor / toString / hasOwnProperty x is a plain project (or a usage error), never a crash', () => {
    for (const project of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const r = h.run(['task', project, 'x', '-b']);
      expect(r.code, project).toBe(2);
      expect(r.stderr, project).toMatch(new RegExp(`project "${project}" has no stages`));
      expect(r.stderr).not.toMatch(/unexpected error/);
      const withCommand = h.run(['task', project, 'x', '-b', '--json', '--', 'true']);
      expect(withCommand.code, project).toBe(0);
      expect(JSON.parse(withCommand.stdout).project).toBe(project);
    }
  });

  it('__proto__ is refused as a project name, on the command line and in config.json, with exit 2', () => {
    const r = h.run(['task', '__proto__', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid project name "__proto__"/);
    h.writeConfig('{"projects": {"__proto__": {"stages": [{"name": "a", "run": "echo hi"}]}}}');
    // A launch refuses; status says it as a warning and goes on, by the last valid config.
    for (const [args, code] of [
      [['task', '__proto__', 'x', '-b'], 2],
      [['status'], 0],
    ] as const) {
      const c = h.run([...args]);
      expect(c.code, args.join(' ')).toBe(code);
      expect(c.stderr).toMatch(/config\.json: invalid project name "__proto__"/);
      expect(c.stderr).not.toMatch(/unexpected error/);
    }
  });

  it('a config project named constructor runs its own stages', async () => {
    h.writeConfig({ projects: { constructor: { cwd: h.home, stages: [{ name: 'own', run: 'echo own-stage' }] } } });
    const r = h.run(['task', 'constructor', 'x', '-b', '--json']);
    expect(r.code).toBe(0);
    const id = JSON.parse(r.stdout).id as string;
    await h.waitForStatus(id, ['completed']);
    expect(h.log(id)).toContain('own-stage');
  });
});

describe('a command that cannot run', () => {
  it('a missing command is one line naming it, in the task, the log and the foreground error', () => {
    const r = h.run(['task', 'web', 'missing', '--', 'nosuchcommand123', 'arg']);
    expect(r.code).toBe(1);
    const id = h.allTasks()[0]!.id;
    expect(h.task(id).error).toBe('command not found: nosuchcommand123');
    // Its id as it starts, then why it failed.
    expect(r.stderr).toBe(`started ${id} (web: missing)\ndev-tools: task ${id} failed: command not found: nosuchcommand123\n`);
    expect(h.log(id)).toBe('==> [dev-tools] command not found: nosuchcommand123\n');
  });

  it('a file that is not executable says so, naming it', () => {
    writeFileSync(join(h.home, 'script.sh'), 'echo hi\n', { mode: 0o644 });
    const r = h.run(['task', 'web', 'not executable', '--', './script.sh']);
    expect(r.code).toBe(1);
    // Its id as it starts, then one line saying why it failed.
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect(r.stderr.trim().split('\n')[1]).toMatch(/cannot run command \.\/script\.sh: permission denied/);
  });
});

describe('flags and terminals', () => {
  it('unknown flags are usage errors (exit 2) on every subcommand', () => {
    for (const args of [
      ['--bogus'],
      ['status', '--bogus'],
      ['task', 'web', 'x', '--bogus', '--', 'true'],
      ['logs', 'abcd', '--follow-forever'],
      ['clean', '--older-than', 'soon'],
    ]) {
      const r = h.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(
      readdirSync(join(h.home)).includes('tasks') ? readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json')) : [],
    ).toEqual([]);
  });

  it('ui and cancel without a terminal refuse with exit 2 and say what to use instead', () => {
    const ui = h.run(['ui']);
    expect(ui.code).toBe(2);
    expect(ui.stderr).toMatch(/needs an interactive terminal; use dev-tools status/);
    const cancel = h.run(['cancel']);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toMatch(/cancel needs a task id/);
  });
});
