// Helpers the fault tests share on top of test/integration/harness.ts: real mounts,
// hand-written task files, /proc sampling. Everything here is about injecting a fault.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { RUNTIME_FILES } from '../../src/runner/runtime-files.js';
import { killGroup, makeTaskJson, processesWithArgs, procState, statFields, waitFor, writeTaskFile } from '../fixtures/index.js';
import type { Harness } from '../integration/harness.js';

export { procState, startTime } from '../fixtures/index.js';

export const IS_ROOT = process.getuid?.() === 0;

/** Peak resident set (VmHWM, KiB) of a live process, or null once it is gone. */
export function peakRssKiB(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Samples a process's VmHWM until it exits; resolves with the last (highest) value seen. */
export async function samplePeakRss(pid: number, deadlineMs: number): Promise<number> {
  let peak = 0;
  await waitFor(
    () => {
      const v = peakRssKiB(pid);
      if (v === null) return true;
      peak = Math.max(peak, v);
      return undefined;
    },
    `process ${pid} to exit`,
    deadlineMs,
    20,
  );
  return peak;
}

/** Writes a task file by hand (a state left behind by a crash, a reboot, another machine), made now, in the state dir. */
export function writeTask(h: Harness, task: Partial<TaskJson> & { id: string }, folder: 'active' | 'done' = 'active'): TaskJson {
  const full = makeTaskJson({
    description: 'hand-written',
    stages: null,
    cwd: h.home,
    restartOf: null,
    createdAt: new Date().toISOString(),
    ...task,
  });
  return writeTaskFile(h.home, full, folder);
}

/** The launching environment a worker needs for a hand-written task it is started for (env/<id>.json). */
export function writeLaunchEnv(h: Harness, id: string, env: NodeJS.ProcessEnv = process.env): void {
  mkdirSync(join(h.home, 'env'), { recursive: true, mode: 0o700 });
  writeFileSync(join(h.home, 'env', `${id}.json`), JSON.stringify(env), { mode: 0o600 });
}

/** An unrelated long-lived process in its own group (a process that "took over" a pid after a reboot). */
export function bystander(seconds = 120): ChildProcess {
  const child = spawn('sleep', [String(seconds)], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

export function killAll(children: (ChildProcess | number | undefined | null)[]): void {
  for (const c of children) {
    const pid = typeof c === 'number' ? c : c?.pid;
    if (pid) killGroup(pid);
  }
}

/** Pids whose command line contains every one of `parts` (e.g. a group-stopper for one pgid). */
export function pidsMatching(...parts: string[]): number[] {
  return processesWithArgs(...parts).map((p) => p.pid);
}

/** Mounts a tmpfs of `size` over `dir`; false (test skips) when this machine cannot mount. */
export function mountTmpfs(dir: string, size: string): boolean {
  if (!IS_ROOT) return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0;
}

/** Remounts `dir` read-only over itself (a bind mount); false when not possible. */
export function bindReadOnly(dir: string): boolean {
  if (!IS_ROOT) return false;
  if (spawnSync('mount', ['--bind', dir, dir]).status !== 0) return false;
  if (spawnSync('mount', ['-o', 'remount,bind,ro', dir]).status !== 0) {
    unmount(dir);
    return false;
  }
  return true;
}

export function unmount(dir: string): void {
  // Lazy: a process still holding a file there must not keep the mount (and the test) stuck.
  for (let i = 0; i < 3; i++) if (spawnSync('umount', ['-l', dir]).status !== 0) break;
}

/** Can a mount be made here at all? Checked once per file so tests skip cleanly in containers without it. */
export function canMount(scratch: string): boolean {
  const dir = join(scratch, 'probe-mount');
  mkdirSync(dir, { recursive: true });
  const ok = mountTmpfs(dir, '16k');
  if (ok) unmount(dir);
  return ok;
}

/** A user id without root's powers, for real EACCES (root bypasses permission bits). */
export function setprivPrefix(): string[] | null {
  if (!IS_ROOT) return null;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', '0']);
  return r.status === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : null;
}

/**
 * Every live process of the tasks of one state dir, by task id: any process whose
 * environment holds that DEV_TOOLS_HOME and a DEV_TOOLS_TASK_ID (what a task's command
 * and all its children inherit). `commandsOnly` leaves out a step's prelude shell that
 * has not yet exec'd its command (it runs nothing of the task's; see STEP_PRELUDE);
 * `ignore` leaves out processes whose command line, or their parent's, matches (a task's onFinish hook, say).
 */
export function taskProcesses(home: string, opts: { commandsOnly?: boolean; ignore?: RegExp } = {}): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  const homeVar = `DEV_TOOLS_HOME=${home}`;
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (!environ.includes(homeVar)) continue;
    const vars = environ.split('\0');
    if (!vars.includes(homeVar)) continue;
    const id = vars.find((v) => v.startsWith('DEV_TOOLS_TASK_ID='))?.slice('DEV_TOOLS_TASK_ID='.length);
    if (!id) continue;
    const state = procState(Number(name));
    if (state === null || state === 'Z' || state === 'X') continue;
    if (opts.commandsOnly || opts.ignore) {
      try {
        const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1');
        // Exited since its state was read (a zombie's command line is empty): nothing of it runs.
        if (cmdline === '') continue;
        if (opts.commandsOnly && cmdline.split('\0')[3] === 'dev-tools-step') continue;
        // A hook's shell forks too (its `rm` of the hook's mark): a child of a matching process is the hook's as well.
        if (opts.ignore && (opts.ignore.test(cmdline) || opts.ignore.test(parentCmdline(Number(name))))) continue;
      } catch {
        continue;
      }
    }
    out.set(id, [...(out.get(id) ?? []), Number(name)]);
  }
  return out;
}

function parentCmdline(pid: number): string {
  const ppid = statFields(pid)?.[1];
  try {
    return ppid ? readFileSync(`/proc/${ppid}/cmdline`, 'latin1') : '';
  } catch {
    return '';
  }
}

/** The worker process of a task of this state dir (found by its arguments), if any. */
export function workerPid(home: string, id: string): number | null {
  return pidsMatching(RUNTIME_FILES.worker, home, id)[0] ?? null;
}

/** One line on a task at this moment: its file's status and where it is, its ledger, and its processes. */
export function describeLive(home: string, id: string, pids: number[]): string {
  const read = (p: string): string | null => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  };
  const active = read(join(home, 'tasks', `${id}.json`));
  const done = active ? null : read(join(home, 'tasks', 'done', `${id}.json`));
  const file = active ?? done;
  let status = 'no file';
  if (file) {
    try {
      const t = JSON.parse(file) as TaskJson & { attempt?: number; timedOut?: boolean; pid?: number };
      status = `${active ? 'active' : 'done'} ${t.status} attempt=${t.attempt ?? '-'} pid=${t.pid ?? '-'}${t.timedOut ? ' timedOut' : ''}`;
    } catch {
      status = `${active ? 'active' : 'done'} unparsable`;
    }
  }
  let ledger: string[] = [];
  try {
    ledger = readdirSync(join(home, 'run', id)).map((f) => `${f}=${(read(join(home, 'run', id, f)) ?? '').trim()}`);
  } catch {
    // none
  }
  const procs = pids.map((pid) => {
    const fields = statFields(pid) ?? [];
    const cmd = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').slice(0, 80);
    return `${pid}(${fields[0]} ppid=${fields[1]} pgid=${fields[2]}) ${cmd}`;
  });
  return `${status}; ledger ${JSON.stringify(ledger)}; ${procs.join(' | ')}`;
}
