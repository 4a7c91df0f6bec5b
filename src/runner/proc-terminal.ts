// What /proc says of a task's terminal: is the program in the foreground blocked
// waiting for the user? (proc.ts holds the rest of what is read from /proc; this part
// is only loaded by the worker of a `--tty` task.) Measured, not guessed from idle output:
//
//   - the terminal's foreground process group is field 8 (tpgid) of the session leader's stat;
//   - one of its members sleeps (state S) in a call that waits on this terminal:
//       read(fd)                   with fd the terminal              (sh `read`, cat, python input())
//       epoll_wait/epoll_pwait     with the terminal in the epoll set (Node: Ink agents, readline)
//       select/pselect6            on fd 0 alone, fd 0 the terminal    (bash's readline prompt)
//
// A read of a pipe (`sleep 3 | cat`) is not input: the fd must be the terminal. Off Linux
// (no /proc/<pid>/syscall) nothing is known: null.
import { readFileSync, readlinkSync } from 'node:fs';

const HAS_PROC = process.platform === 'linux';

const READ = new Set([0]);
const EPOLL = new Set([232, 281]);
const SELECT = new Set([23, 270]);

function stat(pid: number): { state: string; pgrp: number; tpgid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, pgrp: Number(rest[2]), tpgid: Number(rest[5]) };
  } catch {
    return null;
  }
}

function fdTarget(pid: number, fd: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return null;
  }
}

/** The session leader and what it started (the foreground group is among them). */
function descendants(leader: number): number[] {
  const out: number[] = [];
  const queue = [leader];
  while (queue.length && out.length < 4096) {
    const pid = queue.shift()!;
    out.push(pid);
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const c of children.split(' ')) if (c) queue.push(Number(c));
  }
  return out;
}

/** Whether `pid`, asleep, waits on the terminal `pts` (see the table above). */
function waitsOn(pid: number, pts: string): boolean {
  let call: string;
  try {
    call = readFileSync(`/proc/${pid}/syscall`, 'utf8');
  } catch {
    return false;
  }
  const [nr, arg1] = call.split(' ');
  const number = Number(nr);
  if (!Number.isInteger(number) || arg1 === undefined) return false;
  const first = Number.parseInt(arg1, 16);
  if (READ.has(number)) return fdTarget(pid, first) === pts;
  if (SELECT.has(number)) return first === 1 && fdTarget(pid, 0) === pts;
  if (EPOLL.has(number)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${first}`, 'utf8');
    } catch {
      return false;
    }
    for (const m of info.matchAll(/^tfd:\s+(\d+)/gm)) if (fdTarget(pid, Number(m[1])) === pts) return true;
  }
  return false;
}

/**
 * Whether the foreground program of the terminal `pts` (whose session `leader` leads)
 * is blocked waiting for input from it; null when this cannot be known here.
 */
export function waitsForInput(leader: number, pts: string): boolean | null {
  if (!HAS_PROC) return null;
  const top = stat(leader);
  if (!top || top.tpgid <= 0) return false;
  for (const pid of descendants(leader)) {
    const s = pid === leader ? top : stat(pid);
    if (s && s.pgrp === top.tpgid && s.state === 'S' && waitsOn(pid, pts)) return true;
  }
  return false;
}

/** The terminal a process has as fd 0 (a pty child's, right after it started). */
export function terminalOf(pid: number): string | null {
  if (!HAS_PROC) return null;
  const t = fdTarget(pid, 0);
  return t && t.startsWith('/dev/') ? t : null;
}
