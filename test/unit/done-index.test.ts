// The index of finished tasks (tasks/done.jsonl): a cache of done/'s files that
// `status --all` reads instead of thousands of files. done/ stays the truth.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '../../src/core/task.js';
import { statePaths } from '../../src/store/paths.js';
import { TaskStore } from '../../src/store/tasks.js';
import { BIN } from '../integration/harness.js';

let home: string;
let store: TaskStore;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dev-tools-index-'));
  store = new TaskStore(statePaths(home)).ensure();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** A task created and finished through the store, as a worker finishes one. */
function finished(description: string, status: Task['status'] = 'completed'): Task {
  const t = store.create({
    project: 'p',
    description,
    command: ['true'],
    cwd: '/',
    env: {},
    status: 'queued',
    createdAt: new Date().toISOString(),
  });
  const done: Task = { ...t, status, completedAt: new Date().toISOString(), exitCode: status === 'completed' ? 0 : 1 };
  store.write(done);
  return done;
}

const indexLines = () => readFileSync(store.doneIndexPath, 'utf8').split('\n').filter(Boolean);
const listed = () =>
  store
    .listDone()
    .map((e) => e.id)
    .sort();

describe('index of finished tasks', () => {
  it('each archived task is appended as it moves to done/, and listing done/ matches its files', () => {
    const a = finished('a');
    const b = finished('b', 'failed');
    expect(indexLines().map((l) => (JSON.parse(l) as Task).id)).toEqual([a.id, b.id]);
    expect(listed()).toEqual([a.id, b.id].sort());
    expect(store.listDone().find((e) => e.id === b.id)).toEqual(b);
  });

  it('is rebuilt when missing, and a task it lacks (its archiver died first) is read and appended', () => {
    const a = finished('a');
    const b = finished('b');
    unlinkSync(store.doneIndexPath);
    expect(listed()).toEqual([a.id, b.id].sort());
    expect(indexLines()).toHaveLength(2);
    // A file renamed into done/ by hand (or by a process killed before its append).
    const c = finished('c');
    writeFileSync(store.doneIndexPath, indexLines().slice(0, 2).join('\n') + '\n');
    expect(listed()).toEqual([a.id, b.id, c.id].sort());
    expect(indexLines()).toHaveLength(3);
  });

  it('a task removed from done/ is not listed, and an index mostly made of such lines is rewritten', () => {
    const tasks = Array.from({ length: 6 }, (_, i) => finished(`t${i}`));
    unlinkSync(store.donePath(tasks[0]!.id));
    expect(listed()).not.toContain(tasks[0]!.id);
    expect(listed()).toHaveLength(5);
    // Over a hundred lines for tasks long gone: the next listing rewrites it.
    for (let i = 0; i < 120; i++)
      appendFileSync(store.doneIndexPath, JSON.stringify({ ...tasks[1]!, id: `gone${String(i).padStart(4, '0')}` }) + '\n');
    expect(listed()).toHaveLength(5);
    expect(indexLines()).toHaveLength(5);
  });

  it('a line cut short or not a task is skipped; that task is read from its file', () => {
    const a = finished('a');
    const b = finished('b');
    writeFileSync(store.doneIndexPath, `${JSON.stringify(a)}\n{"id":"${b.id}","status":"completed"}\n${JSON.stringify(b).slice(0, 30)}`);
    expect(store.listDone().find((e) => e.id === b.id)).toEqual(b);
  });

  it('an index that is a symbolic link is neither read nor written through', () => {
    const a = finished('a');
    const elsewhere = join(home, 'elsewhere.jsonl');
    writeFileSync(elsewhere, `${JSON.stringify({ ...a, description: 'planted' })}\n`);
    unlinkSync(store.doneIndexPath);
    symlinkSync(elsewhere, store.doneIndexPath);
    expect(store.listDone().find((e) => e.id === a.id)).toEqual(a);
    finished('b');
    expect(readFileSync(elsewhere, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('clean keeps it true: it lists what is left in done/, no more', () => {
    const keep = finished('keep', 'failed');
    finished('x');
    finished('y', 'cancelled');
    const r = spawnSync(process.execPath, [BIN, 'clean'], { env: { ...process.env, DEV_TOOLS_HOME: home }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/removed 2 tasks/);
    expect(indexLines().map((l) => (JSON.parse(l) as Task).id)).toEqual([keep.id]);
    expect(listed()).toEqual([keep.id]);
  });
});
