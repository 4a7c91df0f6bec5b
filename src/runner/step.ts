// One step of a task (its command, or one stage): a process group of its own whose
// output goes straight into the log, recorded in the task's ledger before it runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { statfsSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoReason } from '../core/errors.js';
import { printable } from '../core/terminal-text.js';
import type { Ledger } from '../store/ledger.js';
import { findCommand } from './command-path.js';
import { startTimeOf, STEP_PRELUDE, STEP_PRELUDE_NAME } from './proc.js';
import type { TaskTerminal } from './task-terminal.js';

export interface StepResult {
  exitCode: number | null;
  signal: string | null;
  error: string | null;
}

export interface Step {
  pgid: number;
  startTime: number | null;
  /** Its record in the ledger. */
  record: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Why the step cannot run at all (a missing working directory or command), or null. */
export function stepProblem(argv: string[], cwd: string, env: Record<string, string>): string | null {
  try {
    if (!statSync(cwd).isDirectory()) throw new Error('not a directory');
  } catch {
    return `working directory does not exist: ${cwd}`;
  }
  return findCommand(argv[0]!, env.PATH, cwd);
}

/**
 * Starts one step through the prelude (its own process group, and the task's cgroup when
 * it has one; its output straight into
 * the given fds: the log, for a command; no pipe through the worker), or, for a `--tty`
 * task, in its terminal (a session of its own; the worker copies the output to the log). The step records
 * itself in the ledger before it runs anything, so a worker killed right after this call
 * leaves a findable group.
 */
export function spawnStep(
  ledger: Ledger,
  key: number | string,
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; stdout: number; stderr: number; terminal?: TaskTerminal | null; cgroup?: string | null },
): Step | { error: string } {
  let record: string;
  try {
    record = ledger.newStep(key);
  } catch (err) {
    return { error: `cannot start command: ${errnoReason(err)}` };
  }
  // The one spawn of a step: through the prelude, in a pipe-less process group, or in the task's terminal.
  const args = ['-c', STEP_PRELUDE, STEP_PRELUDE_NAME, record, ledger.goPath, opts.cgroup ?? '', ...argv];
  let pid: number | undefined;
  let exited: Promise<{ code: number | null; signal: string | null }>;
  try {
    if (opts.terminal) {
      const t = opts.terminal.start('/bin/sh', args, { cwd: opts.cwd, env: opts.env });
      pid = t.pid;
      exited = t.exited;
    } else {
      const child: ChildProcess = spawn('/bin/sh', args, {
        cwd: opts.cwd,
        env: opts.env,
        detached: true,
        stdio: ['ignore', opts.stdout, opts.stderr],
      });
      pid = child.pid;
      exited = new Promise((resolve) => {
        child.once('exit', (code, signal) => resolve({ code, signal }));
        child.once('error', () => resolve({ code: null, signal: null }));
      });
    }
  } catch (err) {
    ledger.endStep(record);
    return { error: `cannot start command ${printable(argv[0]!)}: ${errnoReason(err)}` };
  }
  if (!pid) {
    ledger.endStep(record);
    return { error: `cannot start command ${printable(argv[0]!)}` };
  }
  return { pgid: pid, startTime: startTimeOf(pid), record, exited };
}

/** A line of the worker's own (stage headers, the end) in the task's log, appended like the command's output. */
export function logLine(logFd: number, text: string): void {
  try {
    writeSync(logFd, `==> [dev-tools] ${printable(text)}\n`);
  } catch {
    // A full disk loses a header line, never the task.
  }
}

/** Whether a step's prelude wrote its record (it writes it before it runs anything). */
export function stepRecorded(record: string): boolean {
  try {
    return statSync(record).size > 0;
  } catch {
    return false;
  }
}

/**
 * Why a step's prelude could not write its record (it then exits 126 before running
 * anything): the disk is full, most likely; that is not the command's failure.
 */
export function whyUnrecorded(record: string): string {
  const dir = dirname(record);
  try {
    const fs = statfsSync(dir);
    if (fs.bavail * fs.bsize < 64 * 1024) return `cannot write its record in ${dir}: the disk is full`;
  } catch {
    // no answer: say what is known
  }
  return `cannot write its record in ${dir}`;
}
