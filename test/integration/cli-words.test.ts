// What the commands say to a new user, with real workers: how a followed task ended, an
// unknown project, a foreground task's id, a command given no ids, and the demo kept out
// of a state directory in use.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { Harness, waitFor } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

describe('logs -f', () => {
  it('ends with how the task ended, on stderr as wait says it; its exit status stays 0', async () => {
    const ok = h.sh('web', 'echo hello; sleep 0.5');
    const followed = h.start(['logs', '-f', ok.id]);
    expect(await followed.exited).toBe(0);
    expect(followed.stdout).toBe('hello\n');
    expect(followed.stderr).toBe(`${ok.id} ✔ completed (exit code 0)\n`);
    const bad = h.sh('web', 'echo oops; sleep 0.5; exit 3');
    const failed = h.start(['logs', '-f', bad.id]);
    expect(await failed.exited).toBe(0);
    expect(failed.stdout).toBe('oops\n');
    expect(failed.stderr).toBe(`${bad.id} ✖ failed (exit code 3)\n`);
    // The same words as wait.
    expect(h.run(['wait', bad.id]).stdout).toBe(`${bad.id} ✖ failed (exit code 3)\n`);
    // A task that had already ended: its log, then the line.
    expect(h.run(['logs', '-f', ok.id]).stderr).toBe(`${ok.id} ✔ completed (exit code 0)\n`);
  });

  it('stopped with Ctrl+C while the task runs: no line about an end that has not come', async () => {
    const t = h.sh('web', 'echo started; sleep 30');
    const followed = h.start(['logs', '-f', t.id]);
    await waitFor(() => followed.stdout.includes('started') || undefined, 'the output');
    followed.signal('SIGINT');
    expect(await followed.exited).toBe(0);
    expect(followed.stderr).toBe('');
  });
});

describe('status <project>', () => {
  it('names a project that is not known, as cancel --project does; a known idle one is just idle', async () => {
    h.writeConfig({ projects: { web: { stages: [{ name: 'x', run: 'true' }] } } });
    const unknown = h.run(['status', 'nosuch']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    const words = 'no project named "nosuch": it is not in config.json and has no tasks';
    expect(unknown.stderr).toBe(`dev-tools: ${words}\n`);
    expect(h.run(['cancel', '--project', 'nosuch']).stderr).toBe(`dev-tools: ${words}\n`);
    expect(h.run(['status', 'nosuch', '--json']).code).toBe(1);
    const idle = h.run(['status', 'web']);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toBe('No running tasks in project "web"\n');
    expect(h.run(['status', 'web', '--json']).stdout).toBe('[]\n');
    // A project known only from its tasks (a command run under that label).
    const t = h.sh('adhoc', 'true');
    await h.waitForStatus(t.id, ['completed']);
    expect(h.run(['status', 'adhoc']).stdout).toBe('No running tasks in project "adhoc"\n');
  });
});

describe('a foreground task', () => {
  it('says its id on stderr as it starts, before the command says anything', async () => {
    const cli = h.start(['task', 'web', 'in front', '--', 'sh', '-c', 'echo from-the-command; sleep 30']);
    await waitFor(() => cli.stdout.includes('from-the-command') || undefined, 'the command to run');
    const t = h.allTasks().find((x) => x.description === 'in front')!;
    expect(cli.stderr).toBe(`started ${t.id} (web: in front)\n`);
    expect(cli.stdout).toBe('from-the-command\n');
    cli.signal('SIGINT');
    expect(await cli.exited).toBe(130);
  });

  it('queued: its id and its place', async () => {
    h.writeConfig({ maxParallelTasks: 1 });
    const blocker = h.sh('web', 'sleep 30');
    await waitFor(() => h.task(blocker.id).pid || undefined, 'the blocker to run');
    const cli = h.start(['task', 'web', 'waits', '--', 'true']);
    await waitFor(() => cli.stderr.includes('in line') || undefined, 'the queued line');
    const t = h.allTasks().find((x) => x.description === 'waits')!;
    expect(cli.stderr).toBe(`${t.id} (web: waits) queued: 1/1 running, 1st in line\n`);
    expect(h.run(['cancel', blocker.id]).code).toBe(0);
    expect(await cli.exited).toBe(0);
  });
});

describe('usage errors', () => {
  it('wait with no ids, and what commander itself refuses, in the dev-tools: style', () => {
    const wait = h.run(['wait']);
    expect(wait.code).toBe(2);
    expect(wait.stderr).toBe('dev-tools: wait needs the ids of the tasks to wait for (dev-tools wait mh3k q7zp)\n');
    const logs = h.run(['logs']);
    expect(logs.code).toBe(2);
    expect(logs.stderr).toMatch(/^dev-tools: missing required argument 'id'\n/);
    const option = h.run(['status', '--frobnicate']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^dev-tools: unknown option '--frobnicate'\n/);
  });
});

describe('demo', () => {
  it('refuses a DEV_TOOLS_HOME in use (its config would gain the projects, its onFinish run for them) unless --here', async () => {
    const hook = join(h.home, 'hook-ran');
    h.writeConfig({ onFinish: `touch '${hook}'`, projects: { mine: { stages: [{ name: 'x', run: 'true' }] } } });
    const before = readFileSync(join(h.home, 'config.json'), 'utf8');
    const r = h.run(['demo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `dev-tools: DEV_TOOLS_HOME=${h.home} is a state directory in use (config.json sets onFinish): the demo would add its projects and tasks to it; run it with --here to do that, or without DEV_TOOLS_HOME to use ~/.dev-tools-demo\n`,
    );
    // Nothing written, nothing launched.
    expect(readFileSync(join(h.home, 'config.json'), 'utf8')).toBe(before);
    expect(h.allTasks()).toEqual([]);
    expect(existsSync(join(h.home, 'demo-project'))).toBe(false);
    // Tasks of its own are enough to refuse.
    h.writeConfig({});
    const t = h.sh('mine', 'true');
    await h.waitForStatus(t.id, ['completed']);
    expect(h.run(['demo']).stderr).toContain('(1 task of other projects)');
    // --here: the user's choice; their projects stay beside the demo's.
    const here = h.run(['demo', '--here'], { timeoutMs: 60_000 });
    expect(here.code, here.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(h.home, 'config.json'), 'utf8')) as { projects: Record<string, unknown> };
    expect(Object.keys(config.projects).sort()).toEqual(['demo-agents', 'demo-api', 'demo-web']);
    h.run(['cancel', '--all'], { timeoutMs: 60_000 });
  });

  it('an empty DEV_TOOLS_HOME, or one the demo made, is the demo’s: it runs there', async () => {
    const home = join(h.home, 'fresh');
    mkdirSync(home, { mode: 0o700 });
    const first = h.run(['demo'], { env: { DEV_TOOLS_HOME: home }, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('No terminal here');
    const again = h.run(['demo'], { env: { DEV_TOOLS_HOME: home }, timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    const tasks = (JSON.parse(h.run(['status', '--all', '--json'], { env: { DEV_TOOLS_HOME: home } }).stdout) as Task[]).map(
      (t) => t.project,
    );
    expect(new Set(tasks)).toEqual(new Set(['demo-web', 'demo-api', 'demo-agents']));
    // Let its tasks end before the harness removes the folder.
    h.run(['cancel', '--all'], { env: { DEV_TOOLS_HOME: home }, timeoutMs: 60_000 });
  });
});
