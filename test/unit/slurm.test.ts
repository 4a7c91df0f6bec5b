// Slurm as data: squeue's answer, what a job's end reads like, the batch script, the
// options dev-tools keeps to itself, and how the table shows where a task runs.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  batchScript,
  describeExitStatus,
  jobVerdict,
  outputPattern,
  parseSqueue,
  sbatchArgProblem,
  slurmVariables,
  startedAsJob,
  type JobStates,
} from '../../src/core/slurm.js';
import { activeSummary, formatExecutor, taskCells, taskColumns, TASK_COLUMNS } from '../../src/core/task-view.js';
import { waitsForWorker, type Task } from '../../src/core/task.js';

const base: Task = {
  id: 'aaaa0001',
  project: 'web',
  description: 'd',
  command: ['true'],
  cwd: '/',
  status: 'queued',
  createdAt: '2026-01-01T00:00:00.000Z',
  env: {},
  logFile: 'logs/aaaa0001.log',
};
const slurmTask = (over: Partial<Task> = {}): Task => ({ ...base, executor: 'hpc', slurm: { jobId: '42', node: null }, ...over });

describe('squeue', () => {
  it('parses the -O fields, trims padding and reads a missing node as none', () => {
    const jobs = parseSqueue('42|RUNNING|node3|0|\n43|PENDING||0|\n44|CANCELLED by 0|node1|9|\n garbage \n45 |COMPLETED |n2 |768 |\n');
    expect(jobs.get('42')).toEqual({ state: 'RUNNING', node: 'node3', exitStatus: 0 });
    expect(jobs.get('43')).toEqual({ state: 'PENDING', node: null, exitStatus: 0 });
    expect(jobs.get('44')!.state).toBe('CANCELLED');
    expect(jobs.get('45')).toEqual({ state: 'COMPLETED', node: 'n2', exitStatus: 768 });
    expect(jobs.size).toBe(4);
  });

  it('tells active, ended, gone and unknown jobs apart', () => {
    const jobs: JobStates = {
      asked: new Set(['1', '2', '3', '4', '5']),
      found: parseSqueue('1|RUNNING|n|0|\n2|COMPLETING|n|0|\n3|TIMEOUT|n|15|\n4|FAILED|n|768|\n7|CANCELLED||0|\n'),
      error: null,
    };
    expect(jobVerdict(jobs, '1').kind).toBe('active');
    // COMPLETING: its processes may still be being killed.
    expect(jobVerdict(jobs, '2').kind).toBe('active');
    expect(jobVerdict(jobs, '3')).toEqual({ kind: 'ended', reason: 'Slurm job 3 ended TIMEOUT (signal 15)', state: 'TIMEOUT' });
    expect(jobVerdict(jobs, '4')).toEqual({ kind: 'ended', reason: 'Slurm job 4 ended FAILED (exit code 3)', state: 'FAILED' });
    expect(jobVerdict(jobs, '5')).toEqual({ kind: 'ended', reason: 'Slurm job 5 is no longer known to Slurm' });
    expect(jobVerdict({ ...jobs, asked: new Set(['7']) }, '7')).toEqual({
      kind: 'ended',
      reason: 'Slurm job 7 ended CANCELLED',
      state: 'CANCELLED',
    });
    // Not asked about (submitted after the query), or Slurm did not answer: nobody acts on it.
    expect(jobVerdict(jobs, '6').kind).toBe('unknown');
    expect(jobVerdict({ ...jobs, error: 'squeue: timeout' }, '3').kind).toBe('unknown');
    expect(jobVerdict(null, '3').kind).toBe('unknown');
    // A state a newer Slurm invents is not taken for an end.
    expect(jobVerdict({ ...jobs, found: parseSqueue('1|RESV_DEL_HOLD|n|0|\n') }, '1').kind).toBe('active');
  });

  it('reads a raw wait status', () => {
    expect(describeExitStatus(0)).toBe('exit code 0');
    expect(describeExitStatus(3 << 8)).toBe('exit code 3');
    expect(describeExitStatus(9)).toBe('signal 9');
    expect(describeExitStatus(null)).toBeNull();
  });
});

describe('the batch job', () => {
  it('execs the worker with every path as one word, whatever it holds', () => {
    const script = batchScript('/opt/node 20/bin/node', "/x/it's/worker.js", '/home/a b/$HOME/`x`', 'abcd1234');
    expect(script.startsWith('#!/bin/sh\nexec ')).toBe(true);
    const r = spawnSync('sh', ['-c', script.split('\n')[1]!.replace(/^exec /, 'printf "%s\\n" ')], { encoding: 'utf8' });
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      '/opt/node 20/bin/node',
      "/x/it's/worker.js",
      '/home/a b/$HOME/`x`',
      'abcd1234',
      'slurm',
    ]);
  });

  it('escapes % in the log path (Slurm reads %j and friends there)', () => {
    expect(outputPattern('/s/100%/logs/a.log')).toBe('/s/100%%/logs/a.log');
  });

  it('keeps the options that make a job a task to dev-tools', () => {
    for (const arg of [
      '--output=x',
      '-o',
      '-ox',
      '--error=y',
      '-J',
      '--job-name=n',
      '--open-mode=truncate',
      '--parsable',
      '--wrap=ls',
      '--array=1-3',
      '-D',
      '--chdir=/',
    ]) {
      expect(sbatchArgProblem(arg), arg).toMatch(/set by dev-tools/);
    }
    for (const arg of [
      '--partition=debug',
      '--time=02:00:00',
      '--cpus-per-task=4',
      '-p',
      'debug',
      '--exclusive',
      '--hold',
      '--export=ALL',
    ]) {
      expect(sbatchArgProblem(arg), arg).toBeNull();
    }
  });

  it("gives the command Slurm's variables of the job", () => {
    expect(slurmVariables({ SLURM_JOB_ID: '7', SLURMD_NODENAME: 'n1', PATH: '/bin', MY_SLURM: 'x' })).toEqual({
      SLURM_JOB_ID: '7',
      SLURMD_NODENAME: 'n1',
    });
  });
});

describe('the hand-over of a Slurm task', () => {
  it('waits for the worker of its job while queued and submitted', () => {
    const submitted = slurmTask({ claimedAt: '2026-01-01T00:00:01.000Z' });
    expect(waitsForWorker(submitted, '42')).toBe(true);
    expect(waitsForWorker(submitted, '43')).toBe(false); // another job's worker
    // Submitted, its job id not recorded yet: the job's worker records it.
    expect(waitsForWorker({ ...submitted, slurm: { jobId: null, node: null } }, '43')).toBe(true);
    expect(waitsForWorker(slurmTask(), '42')).toBe(false); // never submitted
    expect(waitsForWorker({ ...submitted, status: 'cancelled' }, '42')).toBe(false);
    expect(waitsForWorker(startedAsJob(submitted, { jobId: '42', node: 'n1' }), '42')).toBe(false);
    expect(startedAsJob(submitted, { jobId: '42', node: 'n1' })).toMatchObject({ status: 'running', slurm: { jobId: '42', node: 'n1' } });
  });
});

describe('where a task runs, on screen', () => {
  it('adds EXECUTOR after STATUS only when a listed task is not local', () => {
    const local = { ...base, executor: 'local' };
    expect(taskColumns([local, { ...base }]).map((c) => c.key)).toEqual(TASK_COLUMNS.map((c) => c.key));
    const keys = taskColumns([local, slurmTask()]).map((c) => c.key);
    expect(keys.slice(0, 4)).toEqual(['id', 'project', 'status', 'executor']);
    expect(taskCells(slurmTask({ status: 'running', slurm: { jobId: '42', node: 'node3' } }), 0).executor).toBe('hpc:node3');
    expect(formatExecutor(slurmTask())).toBe('hpc');
    expect(formatExecutor(base)).toBe('local');
  });

  it('counts slots for local tasks only and cluster tasks apart', () => {
    const rows = [
      { ...base, status: 'running' as const },
      { ...base, id: 'aaaa0002' },
      slurmTask({ status: 'running' }),
      slurmTask({ id: 'aaaa0003' }),
      slurmTask({ id: 'aaaa0004' }),
    ];
    expect(activeSummary(rows, 4)).toBe('running 1/4 · queued 1 · on clusters: 1 running, 2 pending');
    expect(activeSummary([{ ...base, status: 'running' as const }], 4)).toBe('running 1/4');
  });

  it('shows no elapsed time for a Slurm task that never ran (it was claimed when submitted)', () => {
    const cancelled = slurmTask({ status: 'cancelled', claimedAt: '2026-01-01T00:00:01.000Z', completedAt: '2026-01-01T00:05:00.000Z' });
    expect(taskCells(cancelled, Date.parse('2026-01-01T00:06:00.000Z')).elapsed).toBe('-');
  });
});
