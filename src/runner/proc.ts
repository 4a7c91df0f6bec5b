import { readdirSync, readFileSync } from 'node:fs';
import { runQuerySync } from './program.js';

/**
 * The one place that reads /proc. Linux reads /proc/<pid>/stat; elsewhere (macOS)
 * it falls back to `ps`. Start times are opaque numbers: only compared for equality.
 */
interface ProcInfo {
  state: string;
  pgrp: number;
  startTime: number;
}

const HAS_PROC = process.platform === 'linux';

/** How long `ps` may take: it reads the process table, nothing else. */
const PS_TIMEOUT_MS = 10_000;

/** `ps` where there is no /proc, through the one runner (loaded only then: it costs a command some milliseconds). */
function ps(args: string[]): string {
  const out = runQuerySync(['ps', ...args], PS_TIMEOUT_MS);
  if (out === null) throw new Error('ps did not answer');
  return out;
}

function parseStat(text: string): ProcInfo | null {
  // comm (field 2) may hold spaces and parentheses: fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!state || !Number.isFinite(pgrp) || !Number.isFinite(startTime)) return null;
  return { state, pgrp, startTime };
}

function procInfo(pid: number): ProcInfo | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (HAS_PROC) {
    try {
      return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return null;
    }
  }
  try {
    const out = ps(['-o', 'stat=,pgid=,lstart=', '-p', String(pid)]).trim();
    const m = /^(\S+)\s+(\d+)\s+(.+)$/.exec(out);
    if (!m) return null;
    return { state: m[1]!.charAt(0), pgrp: Number(m[2]), startTime: Math.floor(Date.parse(m[3]!) / 1000) };
  } catch {
    return null;
  }
}

export function startTimeOf(pid: number): number | null {
  return procInfo(pid)?.startTime ?? null;
}

let own: number | null | undefined;
/** This process's start time: it never changes, so it is looked up once (off Linux that is a `ps`). */
export function ownStartTime(): number | null {
  if (own === undefined) own = startTimeOf(process.pid);
  return own;
}

/** Alive means: exists, is not a zombie, and (when known) started when we recorded it. */
export function isAlive(pid: number | null | undefined, startTime?: number | null): boolean {
  if (!pid) return false;
  const info = procInfo(pid);
  if (!info || info.state === 'Z' || info.state === 'X') return false;
  return startTime === null || startTime === undefined || info.startTime === startTime;
}

/** Stopped (SIGSTOP, Ctrl+Z) or stopped by a tracer: state T or t. */
export function isStopped(pid: number): boolean {
  const state = procInfo(pid)?.state;
  return state === 'T' || state === 't';
}

/**
 * The recorded process itself: alive, not a zombie, and started at the recorded time.
 * An unknown start time is never taken for a match (a pid alone may be anyone's).
 */
export function isSameProcess(pid: number | null | undefined, startTime: number | null | undefined): boolean {
  if (!pid || startTime === null || startTime === undefined) return false;
  const info = procInfo(pid);
  return !!info && info.state !== 'Z' && info.state !== 'X' && info.startTime === startTime;
}

/** Live, non-zombie members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!Number.isInteger(pgid) || pgid <= 1) return [];
  // No process at all in the group (the usual case once a command has ended): no scan.
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return [];
  }
  if (HAS_PROC) {
    const members: number[] = [];
    let names: string[];
    try {
      names = readdirSync('/proc');
    } catch {
      return [];
    }
    for (const name of names) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      let text: string;
      try {
        text = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      const info = parseStat(text);
      if (info && info.pgrp === pgid && info.state !== 'Z' && info.state !== 'X') members.push(Number(name));
    }
    return members;
  }
  try {
    const out = ps(['-A', '-o', 'pid=,pgid=,stat=']);
    const members: number[] = [];
    for (const line of out.split('\n')) {
      const [pid, pg, stat] = line.trim().split(/\s+/);
      if (Number(pg) === pgid && stat && !stat.startsWith('Z')) members.push(Number(pid));
    }
    return members;
  } catch {
    return [];
  }
}

export function groupAlive(pgid: number | null | undefined): boolean {
  return !!pgid && groupMembers(pgid).length > 0;
}

/**
 * Is this still the task's command group? Only with a known leader start time: a
 * live leader must have started then; a dead leader's group still counts while it
 * has members (a pid in use as a group id is never handed out again).
 */
export function isOwnGroup(pgid: number, leaderStartTime: number | null | undefined): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1 || leaderStartTime === null || leaderStartTime === undefined) return false;
  const leader = procInfo(pgid);
  if (leader && leader.state !== 'Z' && leader.state !== 'X') return leader.startTime === leaderStartTime && leader.pgrp === pgid;
  return groupAlive(pgid);
}

/**
 * The shell lines that set `s` to this shell's start time, in the form startTimeOf()
 * reports it, so a step can record its own group before it runs anything.
 */
function startTimeShell(): string {
  // Field 22 of /proc/$$/stat; the comm field of `sh` holds no space.
  if (HAS_PROC) return 't() { shift 21; s=$1; }; read -r l < /proc/$$/stat && t $l';
  return 's=$(ps -o lstart= -p $$)';
}

/** Parses what startTimeShell() recorded. */
export function startTimeFromToken(token: string): number | null {
  const t = token.trim();
  if (t === '') return null;
  if (/^\d+$/.test(t)) return Number(t);
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/**
 * The `sh -c` prelude every step runs through: `sh -c PRELUDE dev-tools-step <record> <go> <cgroup> argv...`.
 * It records its own pid (the group it leads) and start time in <record>, then runs the
 * command only if <go> still exists. A reaper removes <go> before it reads the records,
 * so either it sees this step's record or this step never runs (each writes, then reads).
 * Exit 126 with an empty record: the record could not be written, nothing ran (see unrecordedStep).
 * With a <cgroup> (else ""), it moves itself into it before it runs anything, so all it
 * starts is in there; exit 124 with an empty record when it cannot (nothing ran).
 */
export const STEP_PRELUDE = [
  'r=$1 g=$2 c=$3; shift 3',
  startTimeShell(),
  // A record that cannot be written (a full disk) ends the step before it runs, silently: the worker says why.
  '{ echo "$$ $s" > "$r"; } 2>/dev/null || exit 126',
  '[ -e "$g" ] || exit 125',
  // Its record emptied: a command's own exit 124 (timeout's) is not taken for this.
  '[ -z "$c" ] || { echo $$ > "$c/cgroup.procs"; } 2>/dev/null || { : > "$r"; exit 124; }',
  'exec "$@"',
].join('\n');

/** The prelude's exit code when it could not move into the task's cgroup. */
export const CGROUP_ENTRY_FAILED = 124;

/** The name a step's prelude shell runs under ($0), so it can be told from the command it becomes. */
export const STEP_PRELUDE_NAME = 'dev-tools-step';

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux in use). */
const CLK_TCK = 100;

/**
 * CPU seconds a process has used: its own (utime, stime) and, with `children`, that of
 * its children it has waited for (cutime, cstime). Null when it is gone (or no /proc).
 */
export function cpuSecondsOf(pid: number, children = false): number | null {
  if (!HAS_PROC) return null;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the comm field: utime is field 14 (index 11 here), stime, cutime, cstime follow.
    const ticks = [11, 12, ...(children ? [13, 14] : [])].reduce((sum, i) => sum + Number(rest[i]), 0);
    return Number.isFinite(ticks) ? ticks / CLK_TCK : null;
  } catch {
    return null;
  }
}

/** A process's resident memory now and its peak (VmRSS, VmHWM), in bytes; null when it is gone (or a kernel thread). */
export function memoryOf(pid: number): { rss: number; hwm: number } | null {
  if (!HAS_PROC) return null;
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(text);
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(text);
    if (!rss) return null;
    return { rss: Number(rss[1]) * 1024, hwm: hwm ? Number(hwm[1]) * 1024 : Number(rss[1]) * 1024 };
  } catch {
    return null;
  }
}
