// Hostile input: ids that try to leave the state directory, huge and hostile
// descriptions and project names, unknown flags, interactive commands without a TTY.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Harness } from '../integration/harness.js';
import { TaskStore } from '../../src/store/tasks.js';
import { statePaths } from '../../src/store/paths.js';
import { UsageError } from '../../src/core/errors.js';
import { DEFAULT_CONFIG } from '../../src/store/config.js';
import { launchTask } from '../../src/runner/actions.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

const ESC_OR_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('hostile ids', () => {
  const hostile = ['../../etc/passwd', '/etc/passwd', 'a/b', '', '.', '..', 'abc.json', 'x'.repeat(10 * 1024), 'ABCD', 'ab\ncd'];

  it('logs, cancel, restart and wait reject each one with exit 1, one clear line, and touch nothing', async () => {
    const t = h.sh('web', 'true');
    await h.waitForStatus(t.id, ['completed']);
    const before = readdirSync(join(h.home, 'tasks', 'done')).sort();
    // Every id through `logs`; the other verbs share the same check, so a few each.
    const cases = [...hostile.map((id) => ['logs', id]), ...['cancel', 'restart', 'wait'].flatMap((verb) => ['../../etc/passwd', '/abs', ''].map((id) => [verb, id]))];
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

describe('flags and terminals', () => {
  it('unknown flags are usage errors (exit 2) on every subcommand', () => {
    for (const args of [['--bogus'], ['status', '--bogus'], ['task', 'web', 'x', '--bogus', '--', 'true'], ['logs', 'abcd', '--follow-forever'], ['clean', '--older-than', 'soon']]) {
      const r = h.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(join(h.home)).includes('tasks') ? readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json')) : []).toEqual([]);
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
