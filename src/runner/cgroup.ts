// Cgroup v2 containment: every process of a task lives in a cgroup of its own under one
// `dev-tools` cgroup, so a stop reaches what left the process group (setsid, daemons) and
// "over" means the cgroup is empty. Only the parts of cgroupfs dev-tools uses are read or
// written here; where no writable cgroup v2 exists, tasks fall back to process groups.
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signalProcess } from './proc.js';
import { pollUntil } from './sleep.js';

/** statfs f_type of cgroup2 (CGROUP2_SUPER_MAGIC). */
const CGROUP2_MAGIC = 0x63677270;
/** The folder dev-tools makes its task cgroups in, inside the cgroup it starts from. */
export const CGROUP_FOLDER = 'dev-tools';
/** How long the kill of a cgroup may take to empty it. */
const KILL_WAIT_MS = 5000;

export type CgroupRoot = { dir: string } | { problem: string };

let cachedRoot: { key: string; root: CgroupRoot } | null = null;

/**
 * The `dev-tools` folder of cgroups this process may make (it need not exist yet), or why
 * there is none: the cgroup v2 this process is in must be writable (root, or a subtree
 * delegated to this user by systemd). DEV_TOOLS_CGROUP names that cgroup instead.
 */
export function cgroupRoot(env: NodeJS.ProcessEnv = process.env): CgroupRoot {
  const key = env.DEV_TOOLS_CGROUP ?? '';
  if (cachedRoot?.key === key) return cachedRoot.root;
  const root = findRoot(key);
  cachedRoot = { key, root };
  return root;
}

function findRoot(given: string): CgroupRoot {
  if (process.platform !== 'linux') return { problem: 'cgroups exist on Linux only' };
  let base = given;
  if (!base) {
    const mount = cgroup2Mount();
    if (!mount) return { problem: 'no cgroup v2 is mounted' };
    const own = ownCgroupPath();
    if (own === null) return { problem: 'this process is in no cgroup v2 (/proc/self/cgroup has no 0:: line)' };
    base = join(mount, own);
  }
  try {
    if (statfsSync(base).type !== CGROUP2_MAGIC) return { problem: `${base} is not a cgroup v2` };
  } catch {
    return { problem: `${base} does not exist` };
  }
  // A step moves itself from this cgroup into its own: that takes writing both cgroup.procs.
  try {
    accessSync(base, constants.W_OK);
    accessSync(join(base, 'cgroup.procs'), constants.W_OK);
  } catch {
    return { problem: `the cgroup ${base} is not writable by this user (no delegated subtree)` };
  }
  return { dir: join(base, CGROUP_FOLDER) };
}

function cgroup2Mount(): string | null {
  try {
    for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'cgroup2' && f[1]) return f[1].replace(/\\040/g, ' ');
    }
  } catch {
    // no /proc
  }
  return null;
}

function ownCgroupPath(): string | null {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    return line ? line.slice(3) : null;
  } catch {
    return null;
  }
}

/** The cgroup of a task of this state directory (several state directories share one `dev-tools`). */
export function taskCgroupPath(rootDir: string, home: string, id: string): string {
  // node:crypto when it is used: `status` loads this module, and node:crypto costs it a few ms.
  const key = process.getBuiltinModule('node:crypto').createHash('sha256').update(home).digest('hex').slice(0, 8);
  return join(rootDir, `${key}-${id}`);
}

/** Makes the task's cgroup (and the `dev-tools` folder above it); throws with the reason. */
export function makeCgroup(path: string): void {
  for (const dir of [join(path, '..'), path]) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The live processes in a cgroup (none when it is gone). */
export function cgroupProcs(path: string): number[] {
  const text = readText(join(path, 'cgroup.procs'));
  if (!text) return [];
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);
}

/** Whether a process lives in the cgroup or below it (`populated 1` in cgroup.events). */
export function cgroupPopulated(path: string): boolean {
  const text = readText(join(path, 'cgroup.events'));
  return !!text && /^populated 1$/m.test(text);
}

export function cgroupExists(path: string): boolean {
  return readText(join(path, 'cgroup.events')) !== null;
}

/**
 * Stops every process in the cgroup, wherever in its process tree or session: TERM (and
 * CONT, so a stopped one can act on it) to each, `graceMs` for them to go, then
 * `cgroup.kill`. Resolves once it is empty (`gone`), with how many processes it held when the stop began.
 */
export async function stopCgroup(path: string, graceMs: number): Promise<{ gone: boolean; stopped: number }> {
  if (!cgroupPopulated(path)) return { gone: true, stopped: 0 };
  // What it held when the stop began (not the children those start meanwhile).
  const found = cgroupProcs(path);
  const signalAll = (signal: NodeJS.Signals) => {
    for (const pid of cgroupProcs(path)) signalProcess(pid, signal);
  };
  signalAll('SIGTERM');
  signalAll('SIGCONT');
  const empty = () => (cgroupPopulated(path) ? undefined : true);
  if (graceMs > 0 && (await pollUntil(empty, graceMs, 20))) return { gone: true, stopped: found.length };
  killCgroup(path);
  const gone = (await pollUntil(empty, KILL_WAIT_MS, 20)) ?? false;
  return { gone, stopped: found.length };
}

/** SIGKILL to the whole cgroup at once (`cgroup.kill`; each process in turn on a kernel before 5.14). */
export function killCgroup(path: string): void {
  try {
    writeFileSync(join(path, 'cgroup.kill'), '1');
    return;
  } catch {
    // no cgroup.kill: one by one, again until none is left
  }
  for (let round = 0; round < 10 && cgroupPopulated(path); round++) for (const pid of cgroupProcs(path)) signalProcess(pid, 'SIGKILL');
}

/** Removes an empty cgroup; true when it is gone (false: a process still lives in it). */
export function removeCgroup(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** The CPU time every process that lived in the cgroup has used (cpu.stat works without the cpu controller). */
export function cgroupCpuSeconds(path: string): number | null {
  const m = /^usage_usec (\d+)$/m.exec(readText(join(path, 'cpu.stat')) ?? '');
  return m ? Number(m[1]) / 1e6 : null;
}

/** Memory in use and its peak, where the memory controller is enabled for the cgroup (else null). */
export function cgroupMemory(path: string): { current: number; peak: number | null } | null {
  const current = readText(join(path, 'memory.current'));
  if (current === null) return null;
  const peak = readText(join(path, 'memory.peak'));
  return { current: Number(current), peak: peak === null ? null : Number(peak) };
}

/** How many processes the kernel killed for lack of memory in the cgroup (memory.events `oom_kill`). */
export function cgroupOomKills(path: string): number {
  const m = /^oom_kill (\d+)$/m.exec(readText(join(path, 'memory.events')) ?? '');
  return m ? Number(m[1]) : 0;
}

/**
 * The controllers the `dev-tools` cgroup has, to enable for the tasks' cgroups: its
 * `cgroup.controllers`, or before it is made, what its parent enables for its children.
 */
export function controllersOffered(rootDir: string): string[] {
  const text = readText(join(rootDir, 'cgroup.controllers')) ?? readText(join(rootDir, '..', 'cgroup.subtree_control')) ?? '';
  return text.split(/\s+/).filter((w) => w !== '');
}

export interface Limits {
  memory?: string;
  cpus?: number;
}

/**
 * Why limits cannot be applied in this root, or null: each needs its controller
 * offered to the task cgroups (`memory` for memory, `cpu` for cpus).
 */
export function limitsProblem(root: CgroupRoot, limits: Limits): string | null {
  const wants = [...(limits.memory !== undefined ? ['memory'] : []), ...(limits.cpus !== undefined ? ['cpu'] : [])];
  if (wants.length === 0) return null;
  if ('problem' in root) return `limits need a cgroup, and there is none: ${root.problem}`;
  const offered = controllersOffered(root.dir);
  const missing = wants.filter((c) => !offered.includes(c));
  if (missing.length === 0) return null;
  return `the ${missing.join(' and ')} controller${missing.length > 1 ? 's are' : ' is'} not available (cgroup v2 offers: ${offered.join(' ') || 'none'}), so the limit cannot be applied`;
}

/** Enables the controllers the limits need for the task cgroups and sets them on this one; throws with the reason. */
export function applyLimits(path: string, limits: Limits, memoryBytes: number | null): void {
  const parent = join(path, '..');
  if (memoryBytes !== null) {
    writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory');
    writeFileSync(join(path, 'memory.max'), String(memoryBytes));
    // Without swap a limit is a limit (else the cgroup pages out instead of failing).
    try {
      writeFileSync(join(path, 'memory.swap.max'), '0');
    } catch {
      // no swap accounting: memory.max alone
    }
  }
  if (limits.cpus !== undefined) {
    writeFileSync(join(parent, 'cgroup.subtree_control'), '+cpu');
    writeFileSync(join(path, 'cpu.max'), `${Math.round(limits.cpus * 100_000)} 100000`);
  }
}
