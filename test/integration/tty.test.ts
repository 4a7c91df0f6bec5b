// Interactive tasks for real: `--tty` runs the command in a pty of its worker, `send`
// answers it through the task's socket, attention is read from /proc while it waits,
// and `attach` is driven from an outer pty as a person's terminal would drive it.
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as nodePty from '@lydell/node-pty';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { statePaths } from '../../src/store/paths.js';
import { terminalSocketPath } from '../../src/store/terminal-socket.js';
import { alive, groupMembers, Harness, killGroup, maintenanceDue, waitFor } from './harness.js';

let h: Harness;
const outers: nodePty.IPty[] = [];

beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  for (const o of outers.splice(0)) if (alive(o.pid)) killGroup(o.pid);
  h.cleanup();
});

/** `dev-tools attach <id>` in a terminal of its own (an outer pty): what it shows, and how it ended. */
function attach(id: string, home = h.home): { screen: () => string; pty: nodePty.IPty; exited: Promise<number> } {
  let out = '';
  const pty = nodePty.spawn(process.execPath, [h.bin, 'attach', id], {
    cols: 100,
    rows: 30,
    cwd: home,
    env: h.env() as Record<string, string>,
  });
  outers.push(pty);
  pty.onData((d) => (out += d));
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  return { screen: () => out, pty, exited };
}

const attention = (id: string) => h.task(id).attention ?? null;

describe('--tty', () => {
  it('runs the command in a terminal, logs its output, and serves a 0600 socket that goes with the task', async () => {
    const t = h.sh('p', '[ -t 0 ] && [ -t 1 ] && echo TTY-YES; stty size; read x; echo "got $x"', ['--tty']);
    expect(t.tty).toBe(true);
    const sock = terminalSocketPath(statePaths(h.home), t.id);
    await waitFor(() => existsSync(sock) || undefined, 'the socket', 20_000);
    const st = lstatSync(sock);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(h.run(['send', t.id, 'hi']).code).toBe(0);
    const done = await h.waitForStatus(t.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(h.log(t.id)).toContain('TTY-YES');
    expect(h.log(t.id)).toContain('24 80');
    expect(h.log(t.id)).toContain('got hi');
    expect(existsSync(sock)).toBe(false);
    expect(existsSync(join(h.home, 'run', t.id))).toBe(false);
  });

  it('keeps node-pty out of the worker of a task without --tty', async () => {
    const plain = h.sh('p', 'sleep 30');
    const tty = h.sh('p', 'sleep 30', ['--tty']);
    for (const t of [plain, tty]) await waitFor(() => (h.task(t.id).commandPid ? true : undefined), 'the command', 20_000);
    const maps = (pid: number) => readFileSync(`/proc/${pid}/maps`, 'utf8');
    expect(maps(h.task(plain.id).pid!)).not.toContain('pty.node');
    expect(maps(h.task(tty.id).pid!)).toContain('pty.node');
    expect(h.run(['cancel', plain.id]).code).toBe(0);
    expect(h.run(['cancel', tty.id]).code).toBe(0);
  });

  it('in the foreground on a terminal, attaches: what is typed reaches the command, and it exits as the task did', async () => {
    let out = '';
    const fg = nodePty.spawn(process.execPath, [h.bin, 'task', 'p', 'asks', '--tty', '--', 'sh', '-c', 'read x; echo "got $x"; exit 3'], {
      cols: 100,
      rows: 30,
      cwd: h.home,
      env: h.env() as Record<string, string>,
    });
    outers.push(fg);
    fg.onData((d) => (out += d));
    const exited = new Promise<number>((resolve) => fg.onExit(({ exitCode }) => resolve(exitCode)));
    await waitFor(() => (out.includes('Ctrl+] detaches') ? true : undefined), 'the attach', 20_000);
    fg.write('fg\r');
    expect(await exited).toBe(3);
    expect(out).toContain('got fg');
    expect(out).toMatch(/failed \(exit code 3\)/);
  });

  it('is refused on a Slurm executor: send and attach could not reach its node', () => {
    h.writeConfig({ executors: { hpc: { type: 'slurm' } } });
    const r = h.run(['task', 'p', 'x', '-b', '--tty', '--executor', 'hpc', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--tty is for local tasks');
    expect(h.allTasks()).toEqual([]);
  });

  it('takes tty from the project, and --no-tty overrides it', () => {
    h.writeConfig({ projects: { agent: { tty: true } } });
    expect(h.sh('agent', 'true').tty).toBe(true);
    expect(h.sh('agent', 'true', ['--no-tty']).tty).toBeUndefined();
    h.writeConfig({ projects: { agent: { tty: 'yes' } } });
    const r = h.run(['task', 'agent', 'x', '-b', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('projects.agent.tty must be true or false');
  });

  it('plays the terminal stream back in logs: CRLF, carriage returns, cursor moves and clears resolved', async () => {
    const t = h.sh(
      'p',
      `printf 'one\\ntwo\\n'; printf '10%%\\r50%%\\r100%%\\n'; printf 'abc\\033[2Dx\\n'; printf 'gone\\033[2K\\rkept\\n'`,
      ['--tty'],
    );
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('\r\n');
    const r = h.run(['logs', t.id]);
    expect(r.stdout).toBe('one\ntwo\n100%\naxc\nkept\n');
    expect(h.run(['logs', t.id, '--raw']).stdout).toContain('10%\r50%');
  });
});

describe('send', () => {
  it('answers a read; attention is set while the command waits for input, and cleared after; onWaiting announces each question', async () => {
    const told = join(h.home, 'told');
    h.writeConfig({ onWaiting: `echo "$DEV_TOOLS_TASK_ID $DEV_TOOLS_WAITING_FOR" >> ${told}` });
    const t = h.sh('p', 'printf "Proceed? "; read a; echo "first $a"; sleep 2; printf "Again? "; read b; echo "second $b"', ['--tty']);
    await waitFor(() => (attention(t.id) === 'input' ? true : undefined), 'attention: input', 20_000);
    expect(h.run(['status', '--json']).stdout).toContain('"attention":"input"');
    expect(h.run(['status']).stdout).toMatch(new RegExp(`${t.id} .*\\? input`));
    expect(h.run(['send', t.id, 'yes']).code).toBe(0);
    // Cleared at once by the input, and it stays clear while the command sleeps.
    await waitFor(() => (attention(t.id) === null ? true : undefined), 'attention cleared', 5000);
    await waitFor(() => (h.log(t.id).includes('first yes') ? true : undefined), 'the first answer', 10_000);
    await waitFor(() => (attention(t.id) === 'input' ? true : undefined), 'attention again', 20_000);
    expect(h.log(t.id)).toContain('Again?');
    expect(h.run(['send', t.id, '-'], { input: 'no\n' }).code).toBe(0);
    const done = await h.waitForStatus(t.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.attention ?? null).toBe(null);
    expect(h.log(t.id)).toContain('second no');
    // Once per question, each with DEV_TOOLS_WAITING_FOR=input.
    await waitFor(
      () => (existsSync(told) && readFileSync(told, 'utf8').split('\n').length > 2) || undefined,
      'onWaiting for both questions',
      10_000,
    );
    expect(readFileSync(told, 'utf8')).toBe(`${t.id} input\n${t.id} input\n`);
  });

  it('sees a Node program waiting on its terminal (epoll), not a read of a pipe', async () => {
    const piped = h.sh('p', 'sleep 3 | cat; echo piped-done', ['--tty']);
    const node = h.launch(
      'p',
      'node waits',
      [process.execPath, '-e', "process.stdin.once('data', (d) => { console.log('node got', String(d).trim()); process.exit(0); })"],
      ['--tty'],
    );
    await waitFor(() => (attention(node.id) === 'input' ? true : undefined), 'the node program to wait', 20_000);
    // The pipe's reader never counts, however long it is looked at.
    let seen = false;
    await waitFor(
      () => {
        const p = h.task(piped.id);
        if (p.attention) seen = true;
        return p.status === 'completed' ? true : undefined;
      },
      'the piped task',
      20_000,
    );
    expect(seen).toBe(false);
    expect(h.run(['send', node.id, 'ok']).code).toBe(0);
    await h.waitForStatus(node.id, ['completed']);
    expect(h.log(node.id)).toContain('node got ok');
  });

  it('--no-enter sends the text alone; a task without --tty and a finished one are refused in one line', async () => {
    const t = h.sh('p', 'read x; echo "got [$x]"', ['--tty']);
    await waitFor(() => (attention(t.id) === 'input' ? true : undefined), 'the read', 20_000);
    expect(h.run(['send', t.id, '--no-enter', 'ab']).code).toBe(0);
    expect(h.run(['send', t.id, 'c']).code).toBe(0);
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('got [abc]');

    const plain = h.sh('p', 'sleep 30');
    const r = h.run(['send', plain.id, 'y']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dev-tools: task \w+ was not started with --tty: it has no terminal/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const ended = h.run(['send', t.id, 'y']);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toContain('has ended (completed): its terminal is closed');
    expect(h.run(['send', t.id]).code).toBe(2);
    h.run(['cancel', plain.id]);
  });
});

describe('attach', () => {
  it('shows the output, passes what is typed and resizes, and Ctrl+] detaches while the task goes on', async () => {
    const t = h.sh('p', 'echo ready; read a; echo "got $a"; stty size; read b; echo "then $b"', ['--tty']);
    await waitFor(() => (attention(t.id) === 'input' ? true : undefined), 'the read', 20_000);
    const a = attach(t.id);
    await waitFor(() => (a.screen().includes('Ctrl+] detaches') && a.screen().includes('ready') ? true : undefined), 'the attach', 20_000);
    a.pty.write('hello\r');
    await waitFor(() => (a.screen().includes('got hello') ? true : undefined), 'the echo and answer', 10_000);
    // The attach's size (100x30) is the task's terminal's now.
    await waitFor(() => (a.screen().includes('30 100') ? true : undefined), 'the size', 10_000);
    a.pty.write('\x1d');
    expect(await a.exited).toBe(0);
    expect(a.screen()).toContain('detached from');
    expect(h.task(t.id).status).toBe('running');
    expect(h.run(['send', t.id, 'bye']).code).toBe(0);
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('then bye');
  });

  it('several attaches all see the output; a cancel from another shell ends them with the final status', async () => {
    const t = h.sh('p', 'while read l; do echo "echo:$l"; done', ['--tty']);
    await waitFor(() => (attention(t.id) === 'input' ? true : undefined), 'the read', 20_000);
    const a = attach(t.id);
    const b = attach(t.id);
    for (const x of [a, b]) await waitFor(() => (x.screen().includes('Ctrl+] detaches') ? true : undefined), 'an attach', 20_000);
    a.pty.write('from-a\r');
    for (const x of [a, b]) await waitFor(() => (x.screen().includes('echo:from-a') ? true : undefined), 'both to see a', 10_000);
    b.pty.write('from-b\r');
    for (const x of [a, b]) await waitFor(() => (x.screen().includes('echo:from-b') ? true : undefined), 'both to see b', 10_000);
    expect(h.run(['cancel', t.id]).code).toBe(0);
    expect(await a.exited).toBe(130);
    expect(await b.exited).toBe(130);
    expect(a.screen()).toMatch(/cancelled/);
  });

  it('refuses without a terminal, and a task without --tty', () => {
    const plain = h.sh('p', 'sleep 30');
    const r = h.run(['attach', plain.id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('attach needs a terminal');
    h.run(['cancel', plain.id]);
  });

  it('a worker killed during an attach leaves no process, no socket and no stuck attach', async () => {
    // The shell ignores the hang-up, as a program that outlives its terminal would.
    const t = h.sh('p', 'trap "" HUP; echo up; while :; do read x || sleep 0.2; done', ['--tty', '--no-queue']);
    await waitFor(() => (h.task(t.id).commandPid ? true : undefined), 'the command', 20_000);
    const a = attach(t.id);
    await waitFor(() => (a.screen().includes('up') && a.screen().includes('Ctrl+]') ? true : undefined), 'the attach', 20_000);
    const { pid, commandPid } = h.task(t.id);
    const sock = terminalSocketPath(statePaths(h.home), t.id);
    expect(existsSync(sock)).toBe(true);
    process.kill(pid!, 'SIGKILL');
    // The attach ends on its own: the task is found dead and recorded so.
    expect(await a.exited).toBe(1);
    expect(a.screen()).toContain('interrupted');
    maintenanceDue(h.home);
    h.run(['status']);
    await waitFor(() => (groupMembers(commandPid!).length === 0 ? true : undefined), 'the command to be stopped', 30_000);
    await waitFor(() => (!existsSync(sock) && !existsSync(join(h.home, 'run', t.id)) ? true : undefined), 'the socket to go', 30_000);
  });
});

describe('restart and deep state dirs', () => {
  it('a restarted tty task gets a new terminal; --no-tty runs it without', async () => {
    const t = h.sh('p', 'read x; echo "got $x"', ['--tty']);
    await waitFor(() => (attention(t.id) === 'input' ? true : undefined), 'the read', 20_000);
    h.run(['send', t.id, 'one']);
    await h.waitForStatus(t.id, ['completed']);
    const again = JSON.parse(h.run(['restart', t.id, '-b', '--json']).stdout) as { id: string; tty?: boolean };
    expect(again.tty).toBe(true);
    await waitFor(() => (attention(again.id) === 'input' ? true : undefined), 'the new read', 20_000);
    expect(h.run(['send', again.id, 'two']).code).toBe(0);
    await h.waitForStatus(again.id, ['completed']);
    expect(h.log(again.id)).toContain('got two');
    const plain = JSON.parse(h.run(['restart', t.id, '-b', '--json', '--no-tty']).stdout) as { id: string; tty?: boolean };
    expect(plain.tty).toBeUndefined();
    await h.waitForStatus(plain.id, ['completed', 'failed']);
  });

  it('under a state dir too deep for a socket path, the socket goes to a short folder of the user', async () => {
    const deep = join(h.home, 'a'.repeat(60), 'b'.repeat(40));
    mkdirSync(deep, { recursive: true, mode: 0o700 });
    const env = { DEV_TOOLS_HOME: deep };
    const r = h.run(['task', 'p', 'deep', '-b', '--json', '--tty', '--', 'sh', '-c', 'read x; echo "got $x"'], { env });
    expect(r.code).toBe(0);
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    const sock = terminalSocketPath(statePaths(deep), id);
    expect(sock.startsWith(deep)).toBe(false);
    expect(Buffer.byteLength(sock)).toBeLessThanOrEqual(107);
    await waitFor(() => (existsSync(sock) ? true : undefined), 'the short socket', 20_000);
    expect(lstatSync(join(sock, '..')).mode & 0o777).toBe(0o700);
    expect(h.run(['send', id, 'deep'], { env }).code).toBe(0);
    await waitFor(
      () => (readFileSync(join(deep, 'logs', `${id}.log`), 'utf8').includes('got deep') ? true : undefined),
      'the answer',
      20_000,
    );
    await waitFor(() => (!existsSync(sock) ? true : undefined), 'the socket to go', 20_000);
  });
});
