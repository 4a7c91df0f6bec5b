// State directories for the benchmarks: task files written directly (valid per
// src/core/task.ts), big logs written fast, and a live process for "running" tasks.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const temps = [];

/** A fresh DEV_TOOLS_HOME (0700 dirs, as the store makes them); removed by cleanupTemps(). */
export function makeHome(label) {
  const home = mkdtempSync(join(tmpdir(), `dt-bench-${label}-`));
  temps.push(home);
  for (const d of ['tasks', 'tasks/done', 'logs', 'locks', 'history']) mkdirSync(join(home, d), { recursive: true, mode: 0o700 });
  return home;
}

export function makeTempDir(label) {
  const dir = mkdtempSync(join(tmpdir(), `dt-bench-${label}-`));
  temps.push(dir);
  return dir;
}

export function cleanupTemps() {
  while (temps.length) rmSync(temps.pop(), { recursive: true, force: true });
}

/** 8-char ids of [a-z0-9], unique per index and prefix. */
export function benchId(prefix, i) {
  return (prefix + i.toString(36).padStart(7, '0')).slice(-8);
}

const BASE = Date.parse('2025-01-01T00:00:00.000Z');

export function makeTask(id, status, i, extra = {}) {
  const created = new Date(BASE + i * 60_000).toISOString();
  const final = !['queued', 'running'].includes(status);
  return {
    id,
    project: `proj${i % 7}`,
    description: `benchmark task number ${i}`,
    command: ['sh', '-c', 'echo hello'],
    stages: null,
    cwd: '/tmp',
    status,
    createdAt: created,
    claimedAt: status === 'queued' ? null : created,
    startedAt: status === 'queued' ? null : created,
    completedAt: final ? new Date(BASE + i * 60_000 + 42_000).toISOString() : null,
    pid: null,
    pidStartTime: null,
    commandPid: null,
    commandStartTime: null,
    env: {},
    stage: null,
    progress: final ? { percent: 100, message: null, etaSeconds: null } : null,
    exitCode: final ? 0 : null,
    signal: null,
    error: null,
    logFile: `logs/${id}.log`,
    restartOf: null,
    ...extra,
  };
}

export function writeTask(home, task, done = false) {
  const path = join(home, 'tasks', done ? 'done' : '', `${task.id}.json`);
  writeFileSync(path, `${JSON.stringify(task, null, 2)}\n`, { mode: 0o600 });
}

/** The start time the runner compares (field 22 of /proc/<pid>/stat). */
export function startTimeOf(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

/** A live process that "running" task files can point at, so nobody reaps them. */
export function startHolder() {
  const child = spawn('sleep', ['3600'], { stdio: 'ignore' });
  return { pid: child.pid, startTime: startTimeOf(child.pid), stop: () => child.kill('SIGKILL') };
}

/**
 * `total` task files: `running` of them live (pointing at holder), `queued` waiting,
 * the rest finished in tasks/done/.
 */
export function populate(home, total, { running = 0, queued = 0, holder = null, prefix = 't' } = {}) {
  for (let i = 0; i < total; i++) {
    const id = benchId(prefix, i);
    if (i < running) {
      writeTask(home, makeTask(id, 'running', i, { pid: holder.pid, pidStartTime: holder.startTime, commandPid: holder.pid, commandStartTime: holder.startTime }));
    } else if (i < running + queued) {
      writeTask(home, makeTask(id, 'queued', i));
    } else {
      writeTask(home, makeTask(id, i % 10 === 3 ? 'failed' : 'completed', i, i % 10 === 3 ? { exitCode: 1 } : {}), true);
    }
  }
}

/**
 * A log of `bytes`: a sparse hole up to the last 8 MiB, then 1 MiB blocks of numbered
 * lines, so a 1 GiB file takes a moment to make and little disk, and `logs -n` still
 * reads real lines at the end (it only ever reads from the end).
 */
export function writeLog(path, bytes) {
  const line = (n) => `${String(n).padStart(9, '0')} building module ${n % 997} of the benchmark project, all fine\n`;
  const lines = [];
  let size = 0;
  for (let n = 0; size < 1024 * 1024 - 200; n++) {
    lines.push(line(n));
    size += lines.at(-1).length;
  }
  const buf = Buffer.from(lines.join(''));
  const fd = openSync(path, 'w', 0o600);
  try {
    if (bytes < buf.length) {
      writeSync(fd, buf, 0, buf.lastIndexOf(0x0a, bytes - 1) + 1);
      return;
    }
    // Whole blocks end the file exactly at `bytes`; the hole before them ends in a newline.
    let pos = bytes - Math.min(8, Math.floor(bytes / buf.length)) * buf.length;
    if (pos > 0) writeSync(fd, Buffer.from('\n'), 0, 1, pos - 1);
    for (; pos < bytes; pos += buf.length) writeSync(fd, buf, 0, buf.length, pos);
  } finally {
    closeSync(fd);
  }
}
