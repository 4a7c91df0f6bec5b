// The first things a user does, with real detached workers: task -b and in the
// foreground, status, logs (and on a terminal), help, ids, the config and the state
// directory, and the fast paths that load no heavy module.
// Over 250 lines: the scenarios of one area, each with real processes; they share one set-up, so they stay together.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { alive, BIN, groupMembers, Harness, HEAVY_MODULE, waitFor } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

describe('task -b', () => {
  it('returns before the command ends and records the worker and command', async () => {
    const started = Date.now();
    const task = h.sh('web', 'echo started; sleep 30');
    expect(Date.now() - started).toBeLessThan(15_000);
    const running = await waitFor(() => {
      const t = h.task(task.id);
      return t.pid && t.commandPid ? t : undefined;
    }, 'worker pid');
    expect(running.status).toBe('running');
    expect(alive(running.pid)).toBe(true);
    expect(running.pidStartTime).toBeTypeOf('number');
    expect(groupMembers(running.commandPid!).length).toBeGreaterThan(0);
    expect(running.startedAt).toBeTruthy();
    await waitFor(() => h.log(task.id).includes('started') || undefined, 'output in the log');
  });

  it('prints the id, log path and how to follow it', () => {
    const r = h.run(['task', 'web', 'quick', '-b', '--', 'true']);
    expect(r.code).toBe(0);
    const id = /started (\w{8})/.exec(r.stdout)?.[1];
    expect(id).toBeTruthy();
    expect(r.stdout).toContain(join(h.home, 'logs', `${id}.log`));
    expect(r.stdout).toMatch(/worker:\s+pid \d+/);
    expect(r.stdout).toContain(`dev-tools logs -f ${id}`);
    expect(r.stdout).toContain('dev-tools status');
  });

  it('records completed and failed with exit codes', async () => {
    const ok = h.sh('web', 'exit 0');
    const bad = h.sh('web', 'echo oops >&2; exit 3');
    const done = await h.waitForStatus(ok.id, ['completed']);
    expect(done.exitCode).toBe(0);
    expect(done.completedAt).toBeTruthy();
    const failed = await h.waitForStatus(bad.id, ['failed']);
    expect(failed.exitCode).toBe(3);
    expect(h.log(bad.id)).toContain('oops');
    const signalled = h.sh('web', 'kill -USR1 $$');
    const sig = await h.waitForStatus(signalled.id, ['failed']);
    expect(sig.signal).toBe('SIGUSR1');
  });

  it('passes the description only as data, never through a shell', async () => {
    const marker = join(h.home, 'pwned');
    const description = `$(touch ${marker}) \`touch ${marker}\` "; touch ${marker}; '`;
    const t = h.launch('web', description, [
      'sh',
      '-c',
      'printf "%s|%s|%s" "$DEV_TOOLS_TASK_DESCRIPTION" "$DEV_TOOLS_TASK_ID" "$DEV_TOOLS_PROJECT"',
    ]);
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toBe(`${description}|${t.id}|web`);
    expect(existsSync(marker)).toBe(false);
    expect(h.task(t.id).description).toBe(description);
  });

  it('keeps the launching shell environment out of the task file', async () => {
    const r = h.run(['task', 'web', 'env', '-b', '--json', '--', 'sh', '-c', 'echo "$SECRET_TOKEN"'], { env: { SECRET_TOKEN: 'hunter2' } });
    const t = JSON.parse(r.stdout);
    await h.waitForStatus(t.id, ['completed']);
    expect(JSON.stringify(h.task(t.id))).not.toContain('hunter2');
    expect(h.log(t.id)).toContain('hunter2');
  });

  it('refuses a project without stages and no command, listing configured projects', () => {
    h.writeConfig({ projects: { web: { stages: [{ name: 'build', run: 'true' }] }, empty: {} } });
    const r = h.run(['task', 'api', 'do it']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no stages.*configured projects with stages: web/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toHaveLength(0);
  });

  it('points a command typed without "--" to the --, instead of "too many arguments"', () => {
    const r = h.run(['task', 'misc', 'desc', 'echo', 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^dev-tools: unexpected "echo hi" after the description: .*put a command after -- \(dev-tools task misc "…" -- echo hi\)\n$/,
    );
    expect(h.allTasks()).toEqual([]);
  });

  it('says once that ui needs a terminal (one "dev-tools:" prefix)', () => {
    const r = h.run(['ui']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dev-tools: ui needs an interactive terminal; use dev-tools status\n');
  });

  it('rejects an unquoted multi-word description and unknown flags with exit 2', () => {
    expect(h.run(['task', 'web', 'two', 'words']).code).toBe(2);
    const r = h.run(['task', 'web', 'x', '--bogus', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });
});

describe('foreground task', () => {
  it('streams the output and exits with the task exit code', () => {
    const r = h.run(['task', 'web', 'fg', '--', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect(r.stdout).toContain('out\nerr\n');
    expect(r.code).toBe(5);
    const ok = h.run(['task', 'web', 'fg', '--', 'true']);
    expect(ok.code).toBe(0);
  });

  it('Ctrl+C stops the task gracefully and records it', async () => {
    const cli = h.start(['task', 'web', 'fg', '--', 'sh', '-c', 'echo ready; sleep 30']);
    await waitFor(() => cli.stdout.includes('ready') || undefined, 'the command to start');
    const t = h.allTasks()[0]!;
    cli.signal('SIGINT');
    expect(await cli.exited).toBe(130);
    const final = h.task(t.id);
    expect(final.status).toBe('cancelled');
    expect(groupMembers(final.commandPid!)).toEqual([]);
  });
});

describe('status', () => {
  it('says so when nothing runs, and lists running and finished tasks', async () => {
    expect(h.run(['status']).stdout).toBe('No running tasks\n');
    const done = h.sh('web', 'true');
    await h.waitForStatus(done.id, ['completed']);
    const running = h.sh('api', 'sleep 30');
    await waitFor(() => h.task(running.id).pid || undefined, 'worker pid');
    const plain = h.run(['status']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(running.id);
    expect(plain.stdout).not.toContain(done.id);
    expect(plain.stdout).toMatch(/STATUS.*ELAPSED/);
    expect(plain.stdout).not.toContain('\x1b[');
    const all = h.run(['status', '--all']);
    expect(all.stdout).toContain(done.id);
    const onlyApi = h.run(['status', 'web', '--all']);
    expect(onlyApi.stdout).toContain(done.id);
    expect(onlyApi.stdout).not.toContain(running.id);
  });

  it('prints task objects with --json', async () => {
    const t = h.sh('web', 'sleep 30');
    await waitFor(() => h.task(t.id).pid || undefined, 'worker pid');
    const arr = JSON.parse(h.run(['status', '--json']).stdout);
    expect(arr).toHaveLength(1);
    for (const key of [
      'id',
      'project',
      'description',
      'command',
      'cwd',
      'status',
      'createdAt',
      'startedAt',
      'pid',
      'pidStartTime',
      'commandPid',
      'logFile',
    ]) {
      expect(arr[0]).toHaveProperty(key);
    }
    expect(arr[0].status).toBe('running');
  });

  it('fits the terminal width', async () => {
    const t = h.launch('web', 'a long description '.repeat(10), ['sleep', '30']);
    await waitFor(() => h.task(t.id).pid || undefined, 'worker pid');
    for (const cols of ['60', '100']) {
      const r = h.run(['status'], { env: { COLUMNS: cols } });
      for (const line of r.stdout.trimEnd().split('\n')) expect([...line].length).toBeLessThanOrEqual(Number(cols));
    }
  });

  it('warns about a corrupt task file and goes on', async () => {
    const t = h.sh('web', 'sleep 30');
    await waitFor(() => h.task(t.id).pid || undefined, 'worker pid');
    writeFileSync(join(h.home, 'tasks', 'zzzz0000.json'), '{"id": "zzzz0000", "proj');
    writeFileSync(join(h.home, 'tasks', 'yyyy0000.json'), '');
    const r = h.run(['status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(t.id);
    expect(r.stderr).toMatch(/zzzz0000\.json is unreadable \(not valid JSON\)/);
    expect(r.stderr).toMatch(/yyyy0000\.json is unreadable \(file is empty\)/);
    expect(JSON.parse(h.run(['status', '--json']).stdout)).toHaveLength(1);
  });

  it('marks a task whose worker was SIGKILLed as interrupted and stops its command', async () => {
    const t = h.sh('web', 'sleep 60 & sleep 60; wait');
    const running = await waitFor(() => {
      const x = h.task(t.id);
      return x.pid && x.commandPid ? x : undefined;
    }, 'worker pid');
    process.kill(running.pid!, 'SIGKILL');
    await waitFor(() => !alive(running.pid) || undefined, 'worker to die');
    const r = h.run(['status', '--all', '--json']);
    const after = JSON.parse(r.stdout).find((x: { id: string }) => x.id === t.id);
    expect(after.status).toBe('interrupted');
    await waitFor(() => groupMembers(running.commandPid!).length === 0 || undefined, 'command group to be stopped', 20_000);
  });
});

describe('logs', () => {
  it('prints the last N lines, read from the end', async () => {
    const t = h.sh('web', 'i=1; while [ $i -le 500 ]; do echo "line $i"; i=$((i+1)); done');
    await h.waitForStatus(t.id, ['completed']);
    const r = h.run(['logs', t.id.slice(0, 5), '-n', '3']);
    expect(r.stdout).toBe('line 498\nline 499\nline 500\n');
    expect(h.run(['logs', t.id]).stdout.split('\n').filter(Boolean)).toHaveLength(50);
    expect(h.run(['logs', t.id, '-n', 'x']).code).toBe(2);
  });

  it('follows new output and exits by itself when the task ends', async () => {
    const gate = join(h.home, 'gate');
    const t = h.sh('web', `echo first; while [ ! -e ${gate} ]; do sleep 0.05; done; echo "::progress 50"; echo second; exit 0`);
    await waitFor(() => h.log(t.id).includes('first') || undefined, 'first line');
    const f = h.start(['logs', '-f', t.id]);
    await waitFor(() => f.stdout.includes('first') || undefined, 'follower to print the tail');
    writeFileSync(gate, '');
    expect(await f.exited).toBe(0);
    expect(f.stdout).toBe('first\nsecond\n');
  });
});

describe('logs on a terminal', () => {
  // A task's output as a hostile or careless program writes it: colours, then clear screen,
  // cursor home, a window title, leaving the alternate screen, an OSC 52 clipboard write.
  const NASTY = "printf 'plain \\033[31mred\\033[0m\\n\\033[2J\\033[Hcleared\\033]0;pwned\\007 \\033[?1049l\\033]52;c;aGk=\\007done\\n'";

  /** Runs the CLI under a pseudo-terminal (util-linux `script`) and returns the bytes it wrote there. */
  function onTerminal(args: string[]): string {
    const out = join(h.home, `tty-${Date.now()}.out`);
    const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
    const env = h.env();
    delete env.NO_COLOR; // colours on: a terminal, nothing saying otherwise
    const r = spawnSync('script', ['-qefc', cmd, out], { env, encoding: 'utf8', timeout: 30_000 });
    if (r.error) throw new Error(`util-linux script is needed for this test: ${r.error.message}`);
    return readFileSync(out, 'utf8');
  }

  it('keeps colours and drops sequences that would clear the screen, retitle the window or write the clipboard', async () => {
    const t = h.sh('web', NASTY);
    await h.waitForStatus(t.id, ['completed']);
    const shown = onTerminal(['logs', t.id]);
    expect(shown).toContain('plain \x1b[31mred\x1b[0m');
    expect(shown).toContain('cleared');
    expect(shown).toContain('done');
    for (const bad of ['\x1b[2J', '\x1b[H', '\x1b]0;', '\x1b[?1049l', '\x1b]52;', '\x07']) expect(shown).not.toContain(bad);
    // --raw: the bytes as they are, on a terminal too.
    expect(onTerminal(['logs', '--raw', t.id])).toContain('\x1b[2J\x1b[Hcleared\x1b]0;pwned\x07');
    // Piped: byte for byte, whatever the flags.
    expect(h.run(['logs', t.id]).stdout).toBe(h.log(t.id));
  });
});

describe('logs -f interrupted', () => {
  it('Ctrl+C stops following with exit 0 and leaves the task running', async () => {
    const t = h.sh('web', 'echo up; sleep 60');
    await waitFor(() => h.log(t.id).includes('up') || undefined, 'output');
    const f = h.start(['logs', '-f', t.id]);
    await waitFor(() => f.stdout.includes('up') || undefined, 'the tail');
    f.signal('SIGINT');
    expect(await f.exited).toBe(0);
    expect(h.task(t.id).status).toBe('running');
  });
});

describe('help', () => {
  it.each(['task', 'status', 'logs', 'cancel', 'restart', 'wait', 'diff', 'clean', 'ui', 'demo'])(
    '%s --help shows an example and exits 0',
    (cmd) => {
      const r = h.run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: dev-tools/);
      expect(r.stdout).toMatch(/Example/);
    },
  );
});

describe('ids', () => {
  it('takes upper-case ids and prefixes as their lower-case selves', async () => {
    const t = h.sh('web', 'echo upper-ok');
    await h.waitForStatus(t.id, ['completed']);
    for (const input of [t.id.toUpperCase(), t.id.slice(0, 4).toUpperCase()]) {
      const r = h.run(['logs', input]);
      expect(r.code, input).toBe(0);
      expect(r.stdout).toBe('upper-ok\n');
    }
    expect(h.run(['wait', t.id.toUpperCase()]).code).toBe(0);
  });

  it('rejects hostile, unknown and ambiguous ids with exit 1 and touches nothing', async () => {
    const outside = join(h.home, '..', `outside-${Date.now()}.json`);
    for (const bad of ['../x', 'a/b', '', '/etc/passwd', '../../etc/passwd', '.', 'x'.repeat(10_000), outside]) {
      for (const cmd of [
        ['logs', bad],
        ['cancel', bad],
        ['restart', bad],
        ['wait', bad],
      ]) {
        const r = h.run(cmd);
        expect(r.code, `${cmd.join(' ').slice(0, 60)}`).toBe(1);
        expect(r.stderr).toMatch(/invalid task id|no task matches/);
      }
    }
    expect(existsSync(outside)).toBe(false);
    expect(h.run(['logs', 'zzzzzzzz']).stderr).toMatch(/no task matches id "zzzzzzzz"/);
    // Two tasks sharing a first character make that one-letter prefix ambiguous sometimes; force it.
    mkdirSync(join(h.home, 'tasks', 'done'), { recursive: true });
    for (const id of ['abc00001', 'abc00002']) {
      writeFileSync(
        join(h.home, 'tasks', 'done', `${id}.json`),
        JSON.stringify({
          id,
          project: 'p',
          description: 'd',
          command: ['true'],
          cwd: '/',
          status: 'completed',
          createdAt: new Date().toISOString(),
          env: {},
          logFile: `logs/${id}.log`,
        }),
      );
    }
    const amb = h.run(['logs', 'abc']);
    expect(amb.code).toBe(1);
    expect(amb.stderr).toMatch(/ambiguous.*abc00001, abc00002/);
    expect(h.run(['logs', 'abc00002']).code).toBe(0);
  });
});

describe('config and state directory', () => {
  it.each([
    [{ maxParallelTasks: 0 }, /maxParallelTasks must be a positive integer/],
    [{ maxParallelTasks: 'ten' }, /maxParallelTasks must be a positive integer/],
    [{ cancelGraceMs: -1 }, /cancelGraceMs must be a non-negative integer/],
    [{ bogus: 1 }, /unknown key bogus/],
    [{ projects: { web: { stages: [{ name: 'x' }] } } }, /projects\.web\.stages\.0\.run is required/],
    [{ projects: { web: { env: { A: 1 } } } }, /projects\.web\.env\.A must be a string/],
    [{ projects: { 'a b': {} } }, /invalid project name "a b": project names are 1-64 letters/],
    ['{ not json', /not valid JSON/],
    ['[1,2]', /must hold a JSON object/],
  ])('rejects config %j with a one-line error and exit 2', (config, message) => {
    h.writeConfig(config);
    const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toHaveLength(0);
    // What only looks goes on, by the last valid config (here: none, the defaults), with the same line as a warning.
    const status = h.run(['status']);
    expect(status.code).toBe(0);
    expect(status.stderr).toMatch(message);
    expect(status.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('creates the state directory 0700 and files 0600, whatever the umask', async () => {
    const r = spawnSync('sh', ['-c', `umask 000; exec "${process.execPath}" "${BIN}" task web modes -b -- sh -c 'echo hi'`], {
      env: h.env(),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const id = /started (\w{8})/.exec(r.stdout)![1]!;
    await h.waitForStatus(id, ['completed']);
    for (const dir of ['', 'tasks', 'tasks/done', 'logs', 'locks']) expect(statSync(join(h.home, dir)).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.home, 'tasks', 'done', `${id}.json`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(h.home, 'logs', `${id}.log`)).mode & 0o777).toBe(0o600);
  });
});

describe('config validation cache', () => {
  it('skips zod once a config was found valid, and validates again when it changes', () => {
    h.writeConfig({ maxParallelTasks: 3 });
    expect(h.run(['status']).code).toBe(0);
    const r = h.runRecordingImports(['status']);
    expect(r.code).toBe(0);
    expect(r.modules.filter((u) => /node_modules\/zod\//.test(u))).toEqual([]);
    // A changed config is validated: zod loads then (and the recorder sees it load).
    h.writeConfig({ maxParallelTasks: 4 });
    const changed = h.runRecordingImports(['status']);
    expect(changed.code).toBe(0);
    expect(changed.modules.some((u) => /node_modules\/zod\//.test(u))).toBe(true);
    // Same size, new content: the change is seen and the bad value named.
    h.writeConfig({ maxParallelTasks: 0 });
    const bad = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/maxParallelTasks must be a positive integer/);
  });
});

describe('fast paths', () => {
  it.each([[['--help']], [['status']], [['logs', 'zzzz']], [['task', 'web', 'x', '-b', '--', 'true']], [['status', '--json']]])(
    '%j loads no heavy module',
    (args) => {
      const r = h.runRecordingImports(args);
      expect(r.code === 0 || r.code === 1).toBe(true);
      // The command ran from its entry, which loads the CLI bundle (and records what that requires).
      expect(r.modules.some((u) => u.endsWith('/bin/dev-tools.js'))).toBe(true);
      expect(r.modules.filter((u) => HEAVY_MODULE.test(u))).toEqual([]);
    },
  );

  it.each([[['--help']], [['status']], [['status', '--json']], [['logs', '-n', '5', 'zzzz']]])('%j does not load node:crypto', (args) => {
    h.launch('web', 'x', ['true']);
    const r = h.runRecordingImports(args);
    expect(r.code === 0 || r.code === 1).toBe(true);
    expect(r.modules.filter((u) => u === 'node:crypto')).toEqual([]);
  });
});
