// Slurm as data: squeue's answer, what a job's end reads like, the batch script, the
// options dev-tools keeps to itself, and how the table shows where a task runs.
// Over 250 lines: Slurm's answers as data, one area, tested side by side.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  answerIsAbout,
  batchScript,
  describeExitStatus,
  recordedJob,
  withJobState,
  jobVerdict,
  outputPattern,
  parseScontrolJob,
  parseSlurmTime,
  parseSqueue,
  sbatchArgProblem,
  stoppedJobReason,
  slurmVariables,
  slurmRun,
  startedAsJob,
  type JobStates,
} from '../../src/core/slurm.js';
import {
  answeredCache,
  failedCache,
  retryInMs,
  RETRY_MAX_MS,
  RETRY_MS,
  SHARED_ANSWER_MAX_MS,
  SHARED_ANSWER_MS,
  sharedAnswerMs,
  slurmWarning,
  statesFromCache,
} from '../../src/core/slurm-cache.js';
import { activeSummary, formatExecutor, taskCells, taskColumns, TASK_COLUMNS } from '../../src/core/task-view.js';
import { detailLines } from '../../src/core/task-detail.js';
import { taskToJson, waitsForWorker, type Task } from '../../src/core/task.js';

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
  runsOn: { kind: 'local' },
};
const slurmTask = (over: Partial<Task> = {}): Task => ({
  ...base,
  executor: 'hpc',
  runsOn: { kind: 'slurm', jobId: '42', node: null },
  ...over,
});

describe('squeue', () => {
  it('parses the -O fields, trims padding and reads a missing node as none', () => {
    const jobs = parseSqueue(
      '42|RUNNING|node3|0|None|2:00:00|12:05|\n43|PENDING||0|Resources|1:00|0:00|\n44|CANCELLED by 0|node1|9|\n garbage \n' +
        '45 |COMPLETED |n2 |768 |None |UNLIMITED |1-02:03:04 |\n46|PENDING||0|(ReqNodeNotAvail, UnavailableNodes:n[1-3])|1-12|0:00|\n',
    );
    expect(jobs.get('42')).toEqual({ state: 'RUNNING', node: 'node3', exitStatus: 0, reason: null, timeLimit: 7200, timeUsed: 725 });
    expect(jobs.get('43')).toEqual({ state: 'PENDING', node: null, exitStatus: 0, reason: 'Resources', timeLimit: 60, timeUsed: 0 });
    // An older squeue that prints only the first fields: what is missing is not known.
    expect(jobs.get('44')).toMatchObject({ state: 'CANCELLED', reason: null, timeLimit: null, timeUsed: null });
    expect(jobs.get('45')).toEqual({ state: 'COMPLETED', node: 'n2', exitStatus: 768, reason: null, timeLimit: null, timeUsed: 93784 });
    // A reason with spaces and commas is kept whole (the fields are |-separated, with no width).
    expect(jobs.get('46')).toMatchObject({ reason: '(ReqNodeNotAvail, UnavailableNodes:n[1-3])', timeLimit: 129600 });
    expect(jobs.size).toBe(5);
  });

  it('reads times as Slurm prints them', () => {
    expect(parseSlurmTime('0:05')).toBe(5);
    expect(parseSlurmTime('1:00')).toBe(60);
    expect(parseSlurmTime('2:00:00')).toBe(7200);
    expect(parseSlurmTime('3-04:05:06')).toBe(3 * 86400 + 4 * 3600 + 5 * 60 + 6);
    expect(parseSlurmTime('2-12')).toBe(2 * 86400 + 12 * 3600);
    expect(parseSlurmTime('30')).toBe(1800);
    for (const none of ['UNLIMITED', 'INVALID', 'N/A', 'NOT_SET', '', undefined]) expect(parseSlurmTime(none), String(none)).toBeNull();
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
    expect(jobVerdict(jobs, '3')).toEqual({
      kind: 'ended',
      reason: 'Slurm job 3 ended TIMEOUT (signal 15; it reached its time limit: restart it with --sbatch-arg=--time=<more>)',
      state: 'TIMEOUT',
    });
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
    expect(waitsForWorker({ ...submitted, runsOn: { kind: 'slurm', jobId: null, node: null } }, '43')).toBe(true);
    expect(waitsForWorker(slurmTask(), '42')).toBe(false); // never submitted
    expect(waitsForWorker({ ...submitted, status: 'cancelled' }, '42')).toBe(false);
    expect(waitsForWorker(startedAsJob(submitted, { jobId: '42', node: 'n1' }), '42')).toBe(false);
    expect(startedAsJob(submitted, { jobId: '42', node: 'n1' })).toMatchObject({
      status: 'running',
      runsOn: { kind: 'slurm', jobId: '42', node: 'n1' },
    });
  });
});

describe('where a task runs, on screen', () => {
  it('adds EXECUTOR after STATUS only when a listed task is not local', () => {
    const local = { ...base, executor: 'local' };
    expect(taskColumns([local, { ...base }]).map((c) => c.key)).toEqual(TASK_COLUMNS.map((c) => c.key));
    const keys = taskColumns([local, slurmTask()]).map((c) => c.key);
    expect(keys.slice(0, 4)).toEqual(['id', 'project', 'status', 'executor']);
    expect(taskCells(slurmTask({ status: 'running', runsOn: { kind: 'slurm', jobId: '42', node: 'node3' } }), 0).executor).toBe(
      'hpc#42@node3',
    );
    expect(formatExecutor(slurmTask())).toBe('hpc#42');
    expect(formatExecutor(slurmTask({ runsOn: { kind: 'slurm', jobId: null, node: null } }))).toBe('hpc');
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

describe('why Slurm stopped a job its worker runs', () => {
  const stop = (line: string) => parseScontrolJob(line);
  it('reads scontrol -o show job', () => {
    expect(
      stop('JobId=7 JobName=x JobState=COMPLETING Reason=TimeLimit Dependency=(null) Requeue=0 Restarts=0 TimeLimit=00:01:00'),
    ).toEqual({
      state: 'COMPLETING',
      reason: 'TimeLimit',
      timeLimit: 60,
      restarts: 0,
    });
    expect(stop('JobId=7 JobState=RUNNING Reason=None Restarts=2 TimeLimit=UNLIMITED')).toEqual({
      state: 'RUNNING',
      reason: null,
      timeLimit: null,
      restarts: 2,
    });
    expect(stop('slurm_load_jobs error: Invalid job id specified')).toBeNull();
  });

  it('names a time limit, a preemption, a requeue and a scancel from outside apart', () => {
    const line = (state: string, reason: string, restarts = 0) =>
      stop(`JobId=7 JobState=${state} Reason=${reason} Restarts=${restarts} TimeLimit=1:00:00`);
    expect(stoppedJobReason('7', line('COMPLETING', 'TimeLimit'), 0)).toBe(
      'Slurm stopped job 7: TIMEOUT (it reached its time limit, 1h00m: restart it with --sbatch-arg=--time=<more>)',
    );
    expect(stoppedJobReason('7', line('COMPLETING', 'Preempted'), 0)).toMatch(/^Slurm stopped job 7: PREEMPTED \(preempted by a job/);
    expect(stoppedJobReason('7', line('PREEMPTED', 'None'), 0)).toMatch(/^Slurm stopped job 7: PREEMPTED/);
    // Slurm counts the restart before it signals the run it requeues.
    expect(stoppedJobReason('7', line('COMPLETING', 'None', 1), 0)).toMatch(/^Slurm requeued job 7 .*: its task does not run twice/);
    expect(stoppedJobReason('7', line('COMPLETING', 'None', 1), 1)).toBe('Slurm stopped job 7 (scancel outside dev-tools)');
    expect(stoppedJobReason('7', line('COMPLETING', 'None'), 0)).toBe('Slurm stopped job 7 (scancel outside dev-tools)');
    expect(stoppedJobReason('7', null, 0)).toBe('Slurm stopped job 7 (scancel outside dev-tools, its time limit, or preemption)');
  });

  it('says what NODE_FAIL, PREEMPTED and OUT_OF_MEMORY mean when a worker could not', () => {
    const ended = (state: string) =>
      jobVerdict({ asked: new Set(['9']), found: parseSqueue(`9|${state}|n|0|None|2:00|1:00|\n`), error: null }, '9');
    expect(ended('NODE_FAIL')).toMatchObject({ reason: 'Slurm job 9 ended NODE_FAIL (its node failed)' });
    expect(ended('PREEMPTED')).toMatchObject({ reason: 'Slurm job 9 ended PREEMPTED (preempted by a job of higher priority)' });
    expect(ended('OUT_OF_MEMORY')).toMatchObject({
      reason: expect.stringMatching(/ran out of memory: restart it with --sbatch-arg=--mem/),
    });
    expect(ended('CANCELLED')).toMatchObject({ reason: 'Slurm job 9 ended CANCELLED' });
  });
});

describe('what Slurm says of a job, on screen', () => {
  const now = Date.parse('2026-01-01T00:10:00.000Z');
  const answer = (lines: string, at = now): JobStates => ({ asked: new Set(['42']), found: parseSqueue(lines), error: null, at });

  it('a pending job shows why it waits, in STAGE and --json, and nothing is added to a job not in the answer', () => {
    const t = slurmTask({ claimedAt: '2026-01-01T00:00:01.000Z' });
    const shown = withJobState(t, answer('42|PENDING||0|Resources|2:00:00|0:00|\n'));
    expect(shown.runsOn).toEqual({
      kind: 'slurm',
      jobId: '42',
      node: null,
      state: 'PENDING',
      reason: 'Resources',
      timeLimit: 7200,
      timeUsed: 0,
    });
    expect(taskToJson(shown).slurm).toEqual({
      jobId: '42',
      node: null,
      state: 'PENDING',
      reason: 'Resources',
      timeLimit: 7200,
      timeUsed: 0,
    });
    expect(taskCells(shown, now).stage).toBe('(Resources)');
    expect(taskCells(shown, now).status).toBe('… queued');
    // Shown, never recorded: what goes in the file leaves it out.
    expect(recordedJob(slurmRun(shown))).toEqual({ kind: 'slurm', jobId: '42', node: null });
    expect(taskToJson(shown, true).slurm).toEqual({ jobId: '42', node: null });
    expect(withJobState(t, answer('43|PENDING||0|Resources|2:00:00|0:00|\n'))).toBe(t);
    expect(withJobState(t, null)).toBe(t);
    expect(withJobState(base, answer('42|PENDING||0|Resources|2:00:00|0:00|\n'))).toBe(base);
  });

  it('a suspended job is not running, and its clock and ETA stand still', () => {
    const t = slurmTask({
      status: 'running',
      startedAt: '2026-01-01T00:00:00.000Z',
      runsOn: { kind: 'slurm', jobId: '42', node: 'n1' },
      progress: { percent: 50, etaSeconds: 100, updatedAt: '2026-01-01T00:09:00.000Z' },
    });
    const suspended = withJobState(t, answer('42|SUSPENDED|n1|0|None|2:00:00|1:05|\n'));
    const cells = taskCells(suspended, now);
    expect(cells.status).toBe('‖ suspended');
    expect(cells.elapsed).toBe('1m05s');
    expect(taskCells(suspended, now + 60_000).elapsed).toBe('1m05s');
    expect(cells.eta).toBe('-');
    // Resumed: running again, on its own clock.
    const resumed = withJobState(t, answer('42|RUNNING|n1|0|None|2:00:00|1:06|\n'));
    expect(taskCells(resumed, now).status).toBe('▶ running');
    expect(taskCells(resumed, now).elapsed).toBe('10m00s');
  });

  it('the detail view shows the job, its state and the time used against its limit', () => {
    const t = withJobState(
      slurmTask({
        status: 'running',
        startedAt: '2026-01-01T00:00:00.000Z',
        runsOn: { kind: 'slurm', jobId: '42', node: 'n1', sbatchArgs: ['--time=2:00:00'] },
      }),
      answer('42|RUNNING|n1|0|None|2:00:00|12:05|\n'),
    );
    const lines = Object.fromEntries(detailLines(t, { now, restartChain: [], history: [] }).map((l) => [l.label, l.value]));
    expect(lines['executor']).toBe('hpc#42@n1');
    expect(lines['slurm job']).toBe('42 on n1 · RUNNING');
    expect(lines['time limit']).toBe('12m05s of 2h00m used, 1h47m left');
    expect(lines['sbatch args']).toBe('--time=2:00:00');
    const pending = withJobState(slurmTask(), answer('42|PENDING||0|JobHeldAdmin|1:00|0:00|\n'));
    const p = Object.fromEntries(detailLines(pending, { now, restartChain: [], history: [] }).map((l) => [l.label, l.value]));
    expect(p['slurm job']).toBe('42 · PENDING: JobHeldAdmin');
    expect(p['time limit']).toBe('0s of 1m00s used, 1m00s left');
  });
});

describe('the shared squeue answer', () => {
  const found = (state: string) => parseSqueue(`42|${state}|n1|0|None|1:00|0:01|\n`);

  it('is kept longer while it does not change, up to a cap, with ±20 % of jitter', () => {
    let cache = answeredCache(null, 1000, ['42'], found('RUNNING'));
    expect(cache.unchanged).toBe(0);
    expect(sharedAnswerMs(cache, 0.5)).toBe(SHARED_ANSWER_MS);
    cache = answeredCache(cache, 2000, ['42'], parseSqueue('42|RUNNING|n1|0|None|1:00|0:02|\n'));
    expect(cache.unchanged).toBe(1); // only the time used moved
    expect(sharedAnswerMs(cache, 0.5)).toBe(2 * SHARED_ANSWER_MS);
    expect(sharedAnswerMs({ unchanged: 30 }, 0.5)).toBe(SHARED_ANSWER_MAX_MS);
    expect(sharedAnswerMs(cache, 0)).toBe(0.8 * 2 * SHARED_ANSWER_MS);
    expect(sharedAnswerMs(cache, 1)).toBe(1.2 * 2 * SHARED_ANSWER_MS);
    cache = answeredCache(cache, 3000, ['42'], found('SUSPENDED'));
    expect(cache.unchanged).toBe(0);
  });

  it('after a failure keeps the last answer, says why, and waits longer before each new try', () => {
    const ok = answeredCache(null, 1000, ['42'], found('RUNNING'));
    const failed = failedCache(ok, 5000, 'squeue did not answer within 3 s');
    expect(failed).toMatchObject({ at: 1000, asked: ['42'], failure: { at: 5000, count: 1 } });
    expect(retryInMs(failed, 5000, 0.5)).toBe(RETRY_MS);
    expect(retryInMs(failed, 5000 + RETRY_MS, 0.5)).toBe(0);
    const twice = failedCache(failed, 20_000, 'again');
    expect(retryInMs(twice, 20_000, 0.5)).toBe(2 * RETRY_MS);
    expect(retryInMs({ failure: { at: 0, message: '', count: 40 } }, 0, 0.5)).toBe(RETRY_MAX_MS);
    expect(retryInMs(ok, 5000, 0.5)).toBe(0);

    const states = statesFromCache(twice, ['42', '43']);
    expect([...states.asked]).toEqual(['42']); // 43 was not asked about: unknown
    expect(states).toMatchObject({ error: null, at: 1000, stale: 'again' });
    expect(jobVerdict(states, '42').kind).toBe('active');
    expect(slurmWarning(states, 31_000)).toBe('cannot ask Slurm about its jobs (again); showing its answer of 30 s ago');
    // Never answered: nothing is known, and the warning says so.
    const never = statesFromCache(failedCache(null, 5000, 'squeue not found on PATH'), ['42']);
    expect(jobVerdict(never, '42').kind).toBe('unknown');
    expect(slurmWarning(never, 6000)).toBe('cannot ask Slurm about its jobs (squeue not found on PATH); their state may be out of date');
    expect(slurmWarning(statesFromCache(ok, ['42']), 2000)).toBeNull();
  });
});

describe('an answer about a job id', () => {
  it('speaks of the job only when given after the job was submitted (ids start again on a new cluster)', () => {
    const t = slurmTask({ claimedAt: '2026-01-01T00:00:10.000Z' });
    const answer = (at: number): JobStates => ({ asked: new Set(['42']), found: parseSqueue('42|COMPLETED|n|0|\n'), error: null, at });
    expect(answerIsAbout(answer(Date.parse('2026-01-01T00:00:11.000Z')), t)).toBe(true);
    expect(answerIsAbout(answer(Date.parse('2026-01-01T00:00:09.000Z')), t)).toBe(false);
    expect(withJobState(t, answer(Date.parse('2026-01-01T00:00:09.000Z')))).toBe(t);
    expect(answerIsAbout({ asked: new Set(['43']), at: Date.now() }, t)).toBe(false);
  });
});
