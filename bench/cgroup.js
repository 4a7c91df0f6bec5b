// CPU accounting that includes the detached workers. A worker is started by a
// launcher that exits at once; it is re-parented to init and reaped there, so its
// CPU never shows in anybody's "children" times we can read. A control group
// counts the CPU of every process that ever ran inside it, whoever reaps it, and
// processes stay in the group they were forked in. So: a group per measurement,
// the launching shell moves itself in first, everything it starts stays in, and
// "all done" is the group being empty.
//
// cgroup v2 (cpu.stat usage_usec, cgroup.events populated, cgroup.kill) where a
// cgroup2 hierarchy is writable; else the v1 cpuacct controller (cpuacct.usage in
// ns); else null, and the caller says that the CPU figure was not measured.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function mounts() {
  const out = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const mountPoint = left.split(' ')[4];
    const [fstype, , superOpts = ''] = right.split(' ');
    out.push({ mountPoint, fstype, options: `${left.split(' ')[5]},${superOpts}`.split(',') });
  }
  return out;
}

/** This process's path in the v2 hierarchy (`0::/x`) or in the v1 hierarchy holding `controller`. */
function ownPath(controller) {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [num, ctrls, path] = line.split(':');
    if (controller === null ? num === '0' && ctrls === '' : ctrls.split(',').includes(controller)) return path;
  }
  return null;
}

function tryMake(base, name) {
  const dir = join(base, name);
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

function pidsIn(dir) {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The cgroups below `dir`, parents before their children. */
function subgroups(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const sub = join(dir, entry.name);
    out.push(sub, ...subgroups(sub));
  }
  return out;
}

class CpuGroup {
  constructor(kind, dir) {
    this.kind = kind;
    this.dir = dir;
  }

  /** A line of sh that moves the shell running it (and so all it starts) into the group. */
  get joinShell() {
    return `echo $$ > '${join(this.dir, 'cgroup.procs')}'`;
  }

  /** CPU time (user + system) of everything that ran in the group, in ms. */
  usageMs() {
    if (this.kind === 'v2') {
      const m = /usage_usec (\d+)/.exec(readFileSync(join(this.dir, 'cpu.stat'), 'utf8'));
      return Number(m[1]) / 1000;
    }
    return Number(readFileSync(join(this.dir, 'cpuacct.usage'), 'utf8')) / 1e6;
  }

  /** Whether any process is still in the group. */
  populated() {
    if (this.kind === 'v2') return /populated 1/.test(readFileSync(join(this.dir, 'cgroup.events'), 'utf8'));
    return pidsIn(this.dir).length > 0;
  }

  pids() {
    return pidsIn(this.dir);
  }

  /** Ends every process in the group (only ours are there). */
  kill() {
    if (this.kind === 'v2' && existsSync(join(this.dir, 'cgroup.kill'))) {
      try {
        writeFileSync(join(this.dir, 'cgroup.kill'), '1');
        return;
      } catch {
        // fall through to one by one
      }
    }
    for (const pid of this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  /** Removes the group (once empty), and the `dev-tools` cgroup its workers made inside it; best effort. */
  remove() {
    try {
      if (this.kind === 'v2') for (const sub of subgroups(this.dir).reverse()) rmdirSync(sub);
      rmdirSync(this.dir);
      return true;
    } catch {
      return false;
    }
  }
}

/** A fresh CPU accounting group, or { group: null, reason }. */
export function openCpuGroup(label) {
  const name = `dt-bench-${process.pid}-${label}`;
  const all = mounts();
  const reasons = [];
  const v2 = all.find((m) => m.fstype === 'cgroup2');
  const v2path = ownPath(null);
  if (v2 && v2path !== null) {
    const dir = tryMake(join(v2.mountPoint, v2path), name);
    if (dir && existsSync(join(dir, 'cpu.stat'))) return { group: new CpuGroup('v2', dir), reason: null };
    if (dir) rmdirSync(dir);
    reasons.push(`cgroup2 at ${v2.mountPoint} is not writable here or has no cpu.stat`);
  } else reasons.push('no cgroup2 hierarchy');
  const v1 = all.find((m) => m.fstype === 'cgroup' && m.options.includes('cpuacct'));
  const v1path = ownPath('cpuacct');
  if (v1 && v1path !== null) {
    const dir = tryMake(join(v1.mountPoint, v1path), name);
    if (dir) return { group: new CpuGroup('v1', dir), reason: null };
    reasons.push(`cpuacct at ${v1.mountPoint} is not writable`);
  } else reasons.push('no cgroup v1 cpuacct hierarchy');
  return { group: null, reason: reasons.join('; ') };
}

/** Polls until the group is empty; returns the time (performance.now()) it was seen empty, or null. */
export async function waitEmpty(group, timeoutMs, pollMs = 10) {
  const { performance } = await import('node:perf_hooks');
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (!group.populated()) return performance.now();
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return null;
}
