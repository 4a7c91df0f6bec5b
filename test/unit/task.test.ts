import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/units.js';
import { launchState, type LaunchOutcome } from '../../src/core/task-view.js';
import {
  commandEnv,
  runsAsPipeline,
  taskFromJson,
  taskShapeError,
  taskSteps,
  taskToJson,
  type Task,
  type TaskJson,
} from '../../src/core/task.js';
import { makeTask } from '../fixtures/index.js';

describe('durations and task shape', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1d12h')).toBe(129600);
    expect(parseDuration('7')).toBeNull();
    expect(parseDuration('-1d')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
  });

  it('names what is wrong with a task file', () => {
    expect(taskShapeError([])).toMatch(/object/);
    expect(taskShapeError({ id: 'a' })).toMatch(/project/);
    expect(
      taskShapeError({ id: 'a', project: 'p', description: 'd', createdAt: 'x', cwd: '/', logFile: 'l', status: 'weird', command: [] }),
    ).toMatch(/unknown status/);
  });
});

describe('what a worker runs', () => {
  const iso = (setup: string[]) => ({ repo: '/r', base: 'abc', baseBranch: 'main', setup, copy: [] });

  it('runs a worktree setup as one stage "setup" before the command or the stages, stopping at its first failing line', () => {
    expect(taskSteps({ project: 'web', command: ['make'] })).toEqual([{ name: 'web', argv: ['make'] }]);
    expect(taskSteps({ project: 'web', command: ['make'], isolation: iso(['npm ci', 'npm run gen']) })).toEqual([
      { name: 'setup', argv: ['sh', '-c', 'set -e\nnpm ci\nnpm run gen'] },
      { name: 'web', argv: ['make'] },
    ]);
    expect(taskSteps({ project: 'web', stages: [{ name: 'b', run: 'x' }], isolation: iso([]) })).toEqual([
      { name: 'b', argv: ['sh', '-c', 'x'] },
    ]);
    expect(runsAsPipeline({ isolation: iso(['npm ci']) })).toBe(true);
    expect(runsAsPipeline({ isolation: iso([]) })).toBe(false);
  });

  it("gives the command the launching shell's environment, the task's, then dev-tools' variables", () => {
    const task = {
      id: 'abc12345',
      project: 'web',
      description: 'Add login',
      cwd: '/r',
      status: 'running' as const,
      createdAt: 'x',
      env: { A: 'task', B: 'task' },
      logFile: 'l',
      worktree: { path: '/s/worktrees/abc12345', branch: 'dev-tools/abc12345', base: 'abc' },
    };
    expect(commandEnv(task, { A: 'shell', PATH: '/bin', DEV_TOOLS_STAGE: 'forged' }, 'build')).toEqual({
      A: 'task',
      B: 'task',
      PATH: '/bin',
      DEV_TOOLS_TASK_ID: 'abc12345',
      DEV_TOOLS_PROJECT: 'web',
      DEV_TOOLS_TASK_DESCRIPTION: 'Add login',
      DEV_TOOLS_STAGE: 'build',
      DEV_TOOLS_WORKTREE: '/s/worktrees/abc12345',
    });
  });
});

describe('where a task runs, in its file and --json', () => {
  const fields = {
    id: 'abc12345',
    project: 'web',
    description: 'd',
    command: ['true'],
    cwd: '/',
    env: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    logFile: 'logs/abc12345.log',
  };

  it('reads the files of earlier versions: pid and slurm where they were, no runsOn', () => {
    const local = taskFromJson({ ...fields, status: 'running', pid: 41, pidStartTime: 7 });
    expect(local.runsOn).toEqual({ kind: 'local', pid: 41, pidStartTime: 7 });
    const queued = taskFromJson({ ...fields, status: 'queued' });
    expect(queued.runsOn).toEqual({ kind: 'local' });
    const job = taskFromJson({
      ...fields,
      status: 'running',
      executor: 'hpc',
      pid: 9,
      pidStartTime: 3,
      slurm: { jobId: '42', node: 'n1', sbatchArgs: ['--mem=1G'] },
    });
    expect(job.runsOn).toEqual({ kind: 'slurm', jobId: '42', node: 'n1', sbatchArgs: ['--mem=1G'], pid: 9, pidStartTime: 3 });
    expect(job).not.toHaveProperty('slurm');
    expect(job).not.toHaveProperty('pid');
  });

  it('writes runsOn and, beside it, every field earlier versions wrote: --json adds, removes nothing', () => {
    const job = taskFromJson({
      ...fields,
      status: 'running',
      executor: 'hpc',
      pid: 9,
      pidStartTime: 3,
      slurm: { jobId: '42', node: 'n1' },
    });
    const shown = { ...job, runsOn: { ...job.runsOn, state: 'RUNNING', reason: null } } as Task;
    expect(taskToJson(shown)).toMatchObject({
      pid: 9,
      pidStartTime: 3,
      slurm: { jobId: '42', node: 'n1', state: 'RUNNING', reason: null },
      runsOn: { kind: 'slurm', jobId: '42', node: 'n1', pid: 9, pidStartTime: 3, state: 'RUNNING' },
    });
    // What Slurm says of the job now is shown, never written.
    const file = taskToJson(shown, true);
    expect(file.slurm).toEqual({ jobId: '42', node: 'n1' });
    expect(file.runsOn).toEqual({ kind: 'slurm', jobId: '42', node: 'n1', pid: 9, pidStartTime: 3 });
    expect(taskFromJson(JSON.parse(JSON.stringify(file)))).toEqual(job);
    // A local task has no slurm field, and no pid until its worker wrote one, as before.
    const queued = taskToJson(taskFromJson({ ...fields, status: 'queued' }));
    expect(Object.keys(queued)).not.toContain('slurm');
    expect(Object.keys(queued)).not.toContain('pid');
  });

  it('takes the older fields where both are there: a worker of an earlier version, still running, updates only those', () => {
    const written = taskToJson(taskFromJson({ ...fields, status: 'running' }), true);
    const byOldWorker = { ...written, pid: 77, pidStartTime: 5 };
    expect(taskFromJson(byOldWorker).runsOn).toEqual({ kind: 'local', pid: 77, pidStartTime: 5 });
  });
});

describe('what a launch says (the CLI and the dashboard alike)', () => {
  const outcome = (fields: Partial<LaunchOutcome> = {}, task: Partial<TaskJson> = {}): LaunchOutcome => ({
    task: makeTask({ id: 'abc12345', status: 'queued', ...task }),
    started: false,
    jobId: null,
    job: null,
    queuePosition: null,
    running: 4,
    max: 4,
    ...fields,
  });

  it('a task that waits: the slots and its place in line', () => {
    expect(launchState(outcome({ queuePosition: 2 }))).toBe('queued: 4/4 running, 2nd in line');
    expect(launchState(outcome({ queuePosition: 1 }))).toBe('queued: 4/4 running, 1st in line');
    expect(launchState(outcome({ queuePosition: 11 }))).toBe('queued: 4/4 running, 11th in line');
    expect(launchState(outcome({ queuePosition: 23 }))).toBe('queued: 4/4 running, 23rd in line');
    expect(launchState(outcome())).toBe('queued: 4/4 running');
  });

  it('a task that started, and one submitted to a cluster', () => {
    expect(launchState(outcome({ started: true, running: 3, max: 10 }))).toBe('running 3/10');
    expect(launchState(outcome({ jobId: '42', job: { system: 'Slurm' } }, { executor: 'hpc', slurm: { jobId: '42', node: null } }))).toBe(
      'submitted to Slurm as job 42: queued until the job runs',
    );
  });
});
