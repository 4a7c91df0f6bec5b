// The index of finished tasks (tasks/done.jsonl): a cache of done/'s files that
// `status --all` reads instead of thousands of files. done/ stays the truth.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { compareTasks, taskToJson, withWorker, type Task, type TaskJson } from '../../src/core/task.js';
import { TaskStore } from '../../src/store/tasks.js';
import { BIN } from '../integration/harness.js';
import { ownStartTime } from '../../src/runner/proc.js';
import { makeStateDir } from '../fixtures/index.js';

let home: string;
let store: TaskStore;
beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-index-'));
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
    runsOn: { kind: 'local' },
  });
  const done: Task = { ...t, status, completedAt: new Date().toISOString(), exitCode: status === 'completed' ? 0 : 1 };
  store.write(done);
  return done;
}

const indexLines = () => readFileSync(store.doneIndexPath, 'utf8').split('\n').filter(Boolean);
/** A line as the index writes it: id, creation time and project before the task's compact JSON. */
const record = (t: Task) => `${t.id}\t${t.createdAt}\t${t.project}\t${JSON.stringify(taskToJson(t, true))}`;
const indexIds = () => indexLines().map((l) => l.split('\t')[0]);
const listed = () =>
  store
    .listDone()
    .map((e) => e.id)
    .sort();

describe('index of finished tasks', () => {
  it('each archived task is appended as it moves to done/, and listing done/ matches its files', () => {
    const a = finished('a');
    const b = finished('b', 'failed');
    expect(indexLines()).toEqual([record(a), record(b)]);
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
      appendFileSync(store.doneIndexPath, record({ ...tasks[1]!, id: `gone${String(i).padStart(4, '0')}` }) + '\n');
    expect(listed()).toHaveLength(5);
    expect(indexLines()).toHaveLength(5);
  });

  it('a line cut short or not a task is skipped; that task is read from its file', () => {
    const a = finished('a');
    const b = finished('b');
    writeFileSync(
      store.doneIndexPath,
      `${record(a)}\n${b.id}\t${b.createdAt}\tp\t{"id":"${b.id}","status":"completed"}\n${JSON.stringify(b)}\n${record(b).slice(0, 40)}`,
    );
    expect(store.listDone().find((e) => e.id === b.id)).toEqual(b);
    expect(store.listDone().find((e) => e.id === a.id)).toEqual(a);
  });

  it('an index that is a symbolic link is neither read nor written through', () => {
    const a = finished('a');
    const elsewhere = join(home, 'elsewhere.jsonl');
    writeFileSync(elsewhere, `${record({ ...a, description: 'planted' })}\n`);
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
    expect(indexIds()).toEqual([keep.id]);
    expect(listed()).toEqual([keep.id]);
  });

  it('status --all --json into a pipe copies finished tasks from it: the same tasks, in the same order, as the files say', () => {
    const mine = [finished('a'), finished('b', 'failed'), finished('c', 'cancelled')];
    // A running task (its worker: this process, alive), listed among them by creation time.
    const other = store.create({
      project: 'q',
      description: 'running',
      command: ['true'],
      cwd: '/',
      env: {},
      status: 'queued',
      createdAt: new Date().toISOString(),
      runsOn: { kind: 'local' },
    });
    store.write({ ...withWorker(other, process.pid, ownStartTime()), status: 'running', startedAt: new Date().toISOString() });
    // One of them only in done/, not yet in the index (its archiver died before appending).
    writeFileSync(store.doneIndexPath, indexLines().slice(0, 2).join('\n') + '\n');
    const run = (...args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, 'status', '--all', '--json', ...args], {
        env: { ...process.env, DEV_TOOLS_HOME: home },
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as TaskJson[];
    };
    // As the files say, with the fields of earlier versions (pid, pidStartTime) beside runsOn.
    expect(run()).toEqual(store.list(true).map((e) => taskToJson(e as Task)));
    // By creation time, then id: tasks made in the same millisecond sort by id.
    const byCreation = (tasks: Pick<Task, 'id' | 'createdAt'>[]) => [...tasks].sort(compareTasks).map((t) => t.id);
    expect(run().map((t) => t.id)).toEqual(byCreation([...mine, other]));
    expect(run('p').map((t) => t.id)).toEqual(byCreation(mine));
    expect(indexIds()).toEqual(mine.map((t) => t.id));
  });
});
