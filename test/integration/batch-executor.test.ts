// The scheduler, launch, cancel and the views with a third executor that has a queue of its
// own (batch-executor.ts: a batch system whose queue is a folder), no cluster needed:
// what a new executor gets by being one folder behind the Executor interface.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFailure, taskToJson, withWorker, type Task } from '../../src/core/task.js';
import { taskCells } from '../../src/core/task-view.js';
import { cancelTask } from '../../src/runner/cancel.js';
import { jobWorker, registerExecutorType, workerStates } from '../../src/runner/executors/registry.js';
import { underFirstWriteLock } from '../../src/runner/hand-over.js';
import { launchTask, restartTask } from '../../src/runner/launch.js';
import { ownStartTime } from '../../src/runner/proc.js';
import { schedule } from '../../src/runner/scheduler.js';
import type { Config } from '../../src/store/config.js';
import { statePaths } from '../../src/store/paths.js';
import { TaskStore } from '../../src/store/tasks.js';
import { batchConfig, BatchQueue, batchType } from './batch-executor.js';

let home: string;
let store: TaskStore;
let queue: BatchQueue;
let config: Config;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'dev-tools-batch-'));
  store = new TaskStore(statePaths(home)).ensure();
  queue = new BatchQueue(home);
  registerExecutorType(batchType(queue));
  config = batchConfig({ maxParallelTasks: 1 });
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const launch = (description: string, over: Partial<Parameters<typeof launchTask>[2]> = {}) =>
  launchTask(store, config, { project: 'p', description, command: ['true'], executor: 'farm', environment: process.env, ...over });

const jobIdOf = (t: Task): string => (t.runsOn.kind === 'batch' && t.runsOn.jobId) || '';

/** The job's worker on its node makes its first write, through the same hand-over a real worker uses. */
async function jobStarts(id: string, node = 'node7'): Promise<Task> {
  const task = store.get(id);
  queue.set(jobIdOf(task), 'RUNNING', node);
  const worker = jobWorker('batch', { BATCH_JOB_ID: jobIdOf(task), BATCH_NODE: node })!;
  return underFirstWriteLock(store, task, () => {
    const running = withWorker({ ...worker.started(store.get(id)), startedAt: new Date().toISOString() }, process.pid, ownStartTime());
    store.write(running);
    return running;
  });
}

describe('an executor with a queue of its own, behind the Executor interface', () => {
  it('submits at launch, records the job, and holds no local slot: its tasks wait in its own queue', async () => {
    const launched = [await launch('a'), await launch('b'), await launch('c')];
    for (const r of launched) {
      expect(r.task.status).toBe('queued');
      expect(r.job).toMatchObject({ system: 'Batch', line: `batch job ${r.jobId} on executor "farm"` });
      expect(store.get(r.task.id).runsOn).toEqual({ kind: 'batch', jobId: r.jobId, node: null });
    }
    // maxParallelTasks is 1, yet all three are submitted: the batch system's limits apply.
    expect(queue.jobs().map((j) => j.state)).toEqual(['PENDING', 'PENDING', 'PENDING']);
    const again = await schedule(store, config);
    expect(again).toMatchObject({ running: 0, queued: [], started: [] });
    // Its --json keeps the fields of earlier versions beside runsOn; the table shows the job.
    const json = taskToJson(store.get(launched[0]!.task.id));
    expect(json.runsOn).toEqual({ kind: 'batch', jobId: launched[0]!.jobId, node: null });
    expect(taskCells(store.get(launched[0]!.task.id), Date.now()).executor).toBe(`farm#${launched[0]!.jobId}`);
  });

  it('asks the executor once for all its tasks per scheduler run, before the lock', async () => {
    for (const d of ['a', 'b', 'c', 'd']) await launch(d);
    queue.queries = 0;
    await schedule(store, config, { jobs: 'now' });
    expect(queue.queries).toBe(1);
  });

  it('its worker starts as the job, on its node; a job that ends without a final write is recorded interrupted', async () => {
    const { task } = await launch('runs');
    const running = await jobStarts(task.id);
    expect(running).toMatchObject({ status: 'running', runsOn: { kind: 'batch', node: 'node7', pid: process.pid } });
    const states = await workerStates(store, [running], config, 'now');
    expect(states(running)).toEqual({ state: 'alive', node: 'node7' });
    expect(taskCells(running, Date.now()).executor).toBe(`farm#${jobIdOf(running)}@node7`);
    // Its worker is killed with the job (no final write): the next scheduler run records it.
    queue.set(jobIdOf(running), 'FAILED');
    const r = await schedule(store, config);
    expect(r.reaped.map((t) => t.id)).toEqual([task.id]);
    expect(store.get(task.id)).toMatchObject({
      status: 'interrupted',
      error: `batch job ${jobIdOf(running)} ended FAILED; its worker recorded no end`,
    });
  });

  it('a pending job stopped from outside, or forgotten, leaves its task interrupted, never started', async () => {
    const a = (await launch('cancelled outside')).task;
    const b = (await launch('forgotten')).task;
    queue.set(jobIdOf(store.get(a.id)), 'CANCELLED');
    queue.forget(jobIdOf(store.get(b.id)));
    await schedule(store, config);
    expect(store.get(a.id)).toMatchObject({
      status: 'interrupted',
      error: expect.stringMatching(/ended CANCELLED; its worker never started$/),
    });
    expect(store.get(b.id)).toMatchObject({
      status: 'interrupted',
      error: expect.stringMatching(/is no longer known; its worker never started$/),
    });
  });

  it('cancel goes to the executor: a pending job and a running one are cancelled on it', async () => {
    const pending = (await launch('pending')).task;
    const running = (await launch('running')).task;
    await jobStarts(running.id);
    for (const t of [pending, running]) {
      const c = await cancelTask(store, config, t.id);
      expect(c.task.status).toBe('cancelled');
      expect(c.message).toBe(`cancelled ${t.id} (batch job ${jobIdOf(store.get(t.id))})`);
      expect(queue.job(jobIdOf(store.get(t.id)))!.state).toBe('CANCELLED');
    }
    await expect(cancelTask(store, config, pending.id)).rejects.toThrow(`task ${pending.id} is not running (status: cancelled)`);
  });

  it('a task cancelled while its job is being submitted never runs: the job that comes back is withdrawn', async () => {
    let open!: () => void;
    queue.gate = new Promise((resolve) => (open = resolve));
    const launching = launch('slow controller');
    // The launch claimed it and waits for the batch system; the task is not in its hands yet.
    const id = await (async () => {
      for (;;) {
        const t = store.listActive().find((e): e is Task => !('broken' in e) && !!e.claimedAt);
        if (t) return t.id;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const c = await cancelTask(store, config, id);
    expect(c.message).toBe(`cancelled ${id} (it was queued and never started)`);
    open();
    const r = await launching;
    expect(r.task.status).toBe('cancelled');
    expect(queue.jobs()).toEqual([{ id: '100', task: id, state: 'CANCELLED', node: null }]);
  });

  it('a submission the executor refuses fails the task, saying why; a restart goes to the same executor', async () => {
    config = batchConfig({}, { refuse: 'queue "long" is closed' });
    const r = await launch('refused');
    expect(r.task.status).toBe('failed');
    expect(startFailure(r.task)).toBe('cannot submit to Batch: queue "long" is closed');
    config = batchConfig();
    const again = await restartTask(store, config, r.task.id);
    expect(again.task).toMatchObject({ executor: 'farm', restartOf: r.task.id, status: 'queued' });
    expect(again.jobId).toBe('100');
    // Its per-task options are its executor's: a Slurm one's are refused here.
    await expect(launch('x', { sbatchArgs: ['--time=1'] })).rejects.toThrow('--sbatch-arg is for a task on a Slurm executor');
    // --no-queue promises a local slot: a task waiting in another queue cannot have one.
    await expect(launch('y', { noQueue: true })).rejects.toThrow('--no-queue is for local tasks');
  });

  it('a task of an executor type this version does not know (a newer one wrote it) is left as it is', async () => {
    const foreign = store.create({
      project: 'p',
      description: 'on a newer executor',
      command: ['true'],
      cwd: home,
      env: {},
      status: 'queued',
      createdAt: new Date().toISOString(),
      executor: 'k8s',
      runsOn: { kind: 'kubernetes', jobId: null, node: null } as unknown as Task['runsOn'],
    });
    const r = await schedule(store, config);
    expect(r).toMatchObject({ started: [], submitted: [], reaped: [] });
    expect(store.get(foreign.id)).toMatchObject({ status: 'queued', runsOn: { kind: 'kubernetes' } });
    expect(store.get(foreign.id).claimedAt).toBeUndefined();
    await expect(cancelTask(store, config, foreign.id)).resolves.toMatchObject({ task: { status: 'cancelled' } });
  });
});
