// State directories for the benchmarks: task files written directly (valid per
// src/core/task.ts), big logs written fast, and a live process for "running" tasks.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
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

/** Rewrites a task file as the store does (temp file in the same folder, renamed over). */
export function rewriteTaskAtomic(home, task) {
  const path = join(home, 'tasks', `${task.id}.json`);
  const tmp = `${path}.${process.pid}.bench.tmp`;
  writeFileSync(tmp, `${JSON.stringify(task, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
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
      writeTask(
        home,
        makeTask(id, 'running', i, {
          pid: holder.pid,
          pidStartTime: holder.startTime,
          commandPid: holder.pid,
          commandStartTime: holder.startTime,
        }),
      );
    } else if (i < running + queued) {
      writeTask(home, makeTask(id, 'queued', i));
    } else {
      writeTask(home, makeTask(id, i % 10 === 3 ? 'failed' : 'completed', i, i % 10 === 3 ? { exitCode: 1 } : {}), true);
    }
  }
}

/**
 * A log of `bytes` whose end has the given shape. A sparse hole (ending in a newline)
 * fills the file up to the last few MiB, which are real bytes, so a 1 GiB file takes a
 * moment to make and little disk, and `logs -n` reads real lines at the end:
 *   short      numbered lines of ~90 bytes (8 MiB of them at the end);
 *   huge-last  1 MiB of short lines, then one last line of `hugeLineBytes` (default
 *              128 MiB) of text, newline-terminated, as a progress bar printed with
 *              carriage returns or a minified bundle dumped to the log make;
 *   long       lines of 32 KiB (8 MiB of them at the end).
 */
export function writeLog(path, bytes, { shape = 'short', hugeLineBytes = 128 * 1024 * 1024 } = {}) {
  const shortLine = (n) => `${String(n).padStart(9, '0')} building module ${n % 997} of the benchmark project, all fine\n`;
  const block = (makeLine) => {
    const lines = [];
    let size = 0;
    for (let n = 0; size < 1024 * 1024 - 40 * 1024; n++) {
      lines.push(makeLine(n));
      size += lines.at(-1).length;
    }
    return Buffer.from(lines.join(''));
  };
  const longLine = (n) => `${String(n).padStart(9, '0')} ${'{"k":"v"},'.repeat(3276)}\n`;
  const buf = block(shape === 'long' ? longLine : shortLine);
  const fd = openSync(path, 'w', 0o600);
  try {
    if (bytes < buf.length) {
      writeSync(fd, buf, 0, buf.lastIndexOf(0x0a, bytes - 1) + 1);
      return;
    }
    let tail = [];
    if (shape === 'huge-last') {
      const line = Buffer.alloc(1024 * 1024, 'x');
      const lineLen = Math.min(hugeLineBytes, bytes - buf.length - 1);
      tail.push(buf);
      for (let left = lineLen - 1; left > 0; left -= line.length) tail.push(left >= line.length ? line : line.subarray(0, left));
      tail.push(Buffer.from('\n'));
    } else {
      tail = Array(Math.min(8, Math.floor(bytes / buf.length))).fill(buf);
    }
    const tailBytes = tail.reduce((n, b) => n + b.length, 0);
    // The tail ends the file exactly at `bytes`; the hole before it ends in a newline.
    let pos = bytes - tailBytes;
    if (pos > 0) writeSync(fd, Buffer.from('\n'), 0, 1, pos - 1);
    for (const b of tail) {
      writeSync(fd, b, 0, b.length, pos);
      pos += b.length;
    }
  } finally {
    closeSync(fd);
  }
}
