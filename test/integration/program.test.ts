// The one runner of outside programs (runner/program.ts, execa): git and Slurm's commands
// through it get a deadline (TERM, then KILL), output past a limit as an error of its own,
// the signal kept, and are waited for by their exit, not by the close of their output.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, gitReason } from '../../src/runner/git.js';
import { runProgram, startDetached } from '../../src/runner/program.js';
import { runSlurm, SlurmUnavailable } from '../../src/runner/executors/slurm/commands.js';
import { alive, waitFor } from './harness.js';
import { makeRepo } from '../fixtures/index.js';

let dir: string;
const leftovers: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dev-tools-program-'));
});
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A script that writes its pid where the test finds it, then does `body`. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho $$ > '${path}.pid'\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const pidOf = (path: string) => Number(readFileSync(`${path}.pid`, 'utf8'));

describe('running a program and reading what it printed', () => {
  it('keeps its output, exit code and the signal that ended it', async () => {
    const r = await runProgram(['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 30_000 });
    expect(r).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n', failure: null });
    const killed = await runProgram(['sh', '-c', 'kill -TERM $$'], { timeoutMs: 30_000 });
    expect(killed).toMatchObject({ code: -1, signal: 'SIGTERM', failure: null });
  });

  it('returns when the program exits, though something it left behind still holds its output', async () => {
    const r = await runProgram(['sh', '-c', `echo done; sleep 60 & echo $! > '${dir}/left'; exit 0`], { timeoutMs: 30_000 });
    const left = Number(readFileSync(join(dir, 'left'), 'utf8'));
    leftovers.push(left);
    expect(r).toMatchObject({ code: 0, stdout: 'done\n', failure: null });
    expect(alive(left)).toBe(true);
  });

  it('stops a program at its deadline with TERM, and with KILL one that ignores TERM; the caller is told so', async () => {
    const obeys = script('obeys', 'trap \'echo got TERM >> "$0.log"; exit 143\' TERM\nwhile :; do sleep 0.05; done');
    const r = await runProgram([obeys], { timeoutMs: 300 });
    expect(r).toMatchObject({ code: -1, signal: 'SIGTERM', failure: { kind: 'timeout', message: 'obeys did not answer within 300 ms' } });
    expect(readFileSync(`${obeys}.log`, 'utf8')).toBe('got TERM\n');
    const stubborn = script('stubborn', 'trap \'echo ignored TERM >> "$0.log"\' TERM\nwhile :; do sleep 0.05; done');
    const s = await runProgram([stubborn], { timeoutMs: 300 });
    expect(s).toMatchObject({ signal: 'SIGKILL', failure: { kind: 'timeout' } });
    expect(readFileSync(`${stubborn}.log`, 'utf8')).toBe('ignored TERM\n');
    expect(alive(pidOf(stubborn))).toBe(false);
  });

  it('output past its limit is a failure saying so, not "cannot start"', async () => {
    const r = await runProgram(['sh', '-c', 'head -c 100000 /dev/zero'], { timeoutMs: 30_000, maxOutput: 1000 });
    expect(r.failure).toEqual({ kind: 'output', message: 'sh printed more than 0 MiB' });
    const missing = await runProgram([join(dir, 'no-such-program')], { timeoutMs: 30_000 });
    expect(missing.failure).toMatchObject({ kind: 'spawn', errno: 'ENOENT' });
  });

  it('starts a program that outlives the call (onFinish): detached, never waited for', async () => {
    const started = await startDetached(['sh', '-c', `echo $$ > '${dir}/hook'; sleep 60`], { cwd: dir, env: process.env });
    expect(started).toBe(true);
    const pid = await waitFor(() => {
      try {
        return Number(readFileSync(join(dir, 'hook'), 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    }, 'the hook to run');
    leftovers.push(pid);
    expect(alive(pid)).toBe(true);
  });
});

describe('git and Slurm through the runner', () => {
  it('git gets a deadline: one that hangs is stopped, and its reason says so', async () => {
    const repo = makeRepo(dir);
    const r = await git(repo, ['-c', 'alias.hang=!sleep 60', 'hang'], { timeoutMs: 300 });
    expect(r.failure?.kind).toBe('timeout');
    expect(gitReason(r)).toBe('git did not answer within 300 ms');
    const ok = await git(repo, ['rev-parse', '--is-inside-work-tree']);
    expect(ok).toMatchObject({ code: 0, stdout: 'true\n', failure: null });
  });

  it('a Slurm command that overruns gets TERM first, and one that prints too much is refused, not cut short', async () => {
    const squeue = script('squeue', 'trap \'echo got TERM >> "$0.log"; exit 143\' TERM\nwhile :; do sleep 0.05; done');
    await expect(runSlurm(squeue, [], { timeoutMs: 300 })).rejects.toThrow(new SlurmUnavailable('squeue did not answer within 300 ms'));
    expect(readFileSync(`${squeue}.log`, 'utf8')).toBe('got TERM\n');
    const chatty = script('sbatch', 'head -c 70000000 /dev/zero');
    await expect(runSlurm(chatty, [])).rejects.toThrow('sbatch printed more than 64 MiB');
    await expect(runSlurm(join(dir, 'scancel'), [])).rejects.toThrow("scancel not found on PATH (is Slurm's client installed?)");
  });
});
