import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * The one place that reads /proc. Linux reads /proc/<pid>/stat; elsewhere (macOS)
 * it falls back to `ps`. Start times are opaque numbers: only compared for equality.
 */
export interface ProcInfo {
  state: string;
  pgrp: number;
  startTime: number;
}

const HAS_PROC = process.platform === 'linux';

function parseStat(text: string): ProcInfo | null {
  // comm (field 2) may hold spaces and parentheses: fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!state || !Number.isFinite(pgrp) || !Number.isFinite(startTime)) return null;
  return { state, pgrp, startTime };
}

export function procInfo(pid: number): ProcInfo | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (HAS_PROC) {
    try {
      return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'stat=,pgid=,lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
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

/** Live, non-zombie members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!Number.isInteger(pgid) || pgid <= 1) return [];
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
    const out = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
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
 * Is this still the task's command group? The leader's pid cannot be reused while
 * its group has members; if the leader itself is alive its start time must match.
 */
export function isOwnGroup(pgid: number, leaderStartTime: number | null | undefined): boolean {
  const leader = procInfo(pgid);
  if (leader && leader.state !== 'Z' && leaderStartTime && leader.startTime !== leaderStartTime) return false;
  return groupAlive(pgid);
}

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
