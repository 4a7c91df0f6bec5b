// The Slurm executor on a real single-node cluster (test/slurm/cluster.sh up): the same
// task, status, logs, wait, cancel, restart, pipeline and marker checks as for local
// tasks, run through sbatch, squeue and scancel (a scancel from outside and the TERM and
// KILL of a cancel are in cluster-users.test.ts). Without a cluster these tests are
// skipped with the reason, except in CI, where they fail.
// Over 250 lines: every scenario of the executor shares one cluster, one set-up and its cleanup.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { Harness, waitFor } from '../integration/harness.js';
import { writeTask } from '../faults/fault-kit.js';
import { cancelJobsOf, job, jobs, requireCluster, scancel, submit, waitForJob } from './cluster.js';

requireCluster();

let h: Harness;
/** Jobs a test submitted itself (blockers), cancelled after it. */
let own: string[];

const CONFIG = {
  executors: {
    slurm: { type: 'slurm', sbatchArgs: [] },
    held: { type: 'slurm', sbatchArgs: ['--hold'] },
  },
};

beforeEach(() => {
  h = new Harness();
  own = [];
  h.writeConfig(CONFIG);
});
afterEach(async () => {
  await cancelJobsOf(h, own);
  h.cleanup();
});

function statusJson(): TaskJson[] {
  const r = h.run(['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TaskJson[];
}

/** Fills the node with an exclusive job, so the next ones stay PENDING (Resources). */
async function fillNode(): Promise<string> {
  const blocker = submit(['--exclusive', '--job-name=blocker'], 'sleep 300');
  own.push(blocker);
  await waitForJob(blocker, /^RUNNING/);
  return blocker;
}

describe('a task on the Slurm executor', () => {
  it('is queued, then running with its node, then failed with exit 3; logs shows its output and wait exits 1', async () => {
    const t = h.launch('p', 'x', ['sh', '-c', 'echo hi; echo "::progress 50"; sleep 2; exit 3'], ['--executor', 'slurm']);
    // Submitted: queued while its job waits to start, with the job's id and no node yet.
    expect(t.status).toBe('queued');
    expect(t.executor).toBe('slurm');
    expect(t.slurm?.jobId).toMatch(/^\d+$/);
    expect(t.slurm?.node).toBeNull();
    expect(job(t.slurm!.jobId!)).toBeTruthy();
    const waiting = h.start(['wait', t.id]);
    const running = await waitFor(() => {
      const now = statusJson().find((x) => x.id === t.id);
      return now?.status === 'running' && now.slurm?.node && now.progress?.percent === 50 ? now : undefined;
    }, 'the task to run on a node and report 50%');
    // What Slurm says of the job comes with it (shown, not written in the task file).
    expect(running.slurm).toMatchObject({ jobId: t.slurm!.jobId, node: job(t.slurm!.jobId!)!.node, state: 'RUNNING', reason: null });
    expect(h.task(t.id).slurm).toEqual({ jobId: t.slurm!.jobId, node: running.slurm!.node });
    const table = h.run(['status', '--all'], { env: { COLUMNS: '160' } }).stdout;
    expect(table).toMatch(/STATUS\s+EXECUTOR/);
    expect(table).toContain(`slurm#${t.slurm!.jobId}@${running.slurm!.node}`);
    expect(await waiting.exited).toBe(1);
    const done = h.task(t.id);
    expect(done).toMatchObject({ status: 'failed', exitCode: 3, error: null, executor: 'slurm' });
    const logs = h.run(['logs', t.id]);
    expect(logs.stdout).toContain('hi');
    expect(logs.stdout).not.toContain('::progress');
    expect(h.run(['wait', t.id]).code).toBe(1);
    // What ran is gone with the job: no ledger, no launch environment left.
    expect(readdirSync(join(h.home, 'run'))).toEqual([]);
    expect(existsSync(join(h.home, 'env', `${t.id}.json`))).toBe(false);
  });

  it('runs with the launching shell environment and the variables Slurm gives the job; the secret stays out of the task file', async () => {
    const r = h.run(
      ['task', 'p', 'env', '-b', '--json', '--executor', 'slurm', '--', 'sh', '-c', 'echo "tok=$SECRET_TOKEN job=$SLURM_JOB_ID"'],
      {
        env: { SECRET_TOKEN: 'hunter2' },
      },
    );
    const t = JSON.parse(r.stdout) as TaskJson;
    const done = await h.waitForStatus(t.id, ['completed'], 60_000);
    expect(h.log(t.id)).toContain(`tok=hunter2 job=${done.slurm!.jobId}`);
    expect(JSON.stringify(done)).not.toContain('hunter2');
    expect(existsSync(join(h.home, 'env', `${t.id}.json`))).toBe(false);
  });

  it('reports stages and markers as locally, and logs -f follows it to the end', async () => {
    const t = h.launch(
      'p',
      'markers',
      ['sh', '-c', 'echo "::stage build"; echo "::progress 30 compiling"; echo one; sleep 2; echo two'],
      ['--executor', 'slurm'],
    );
    const follow = h.start(['logs', '-f', t.id]);
    const mid = await h.waitForStatus(t.id, ['running'], 30_000);
    const marked = await waitFor(() => {
      const now = h.task(t.id);
      return now.progress?.message === 'compiling' ? now : undefined;
    }, 'the markers to be read');
    expect(marked.stage?.name).toBe('build');
    expect(marked.progress?.percent).toBe(30);
    expect(mid.slurm?.node).toBeTruthy();
    expect(await follow.exited).toBe(0);
    expect(follow.stdout).toContain('one\n');
    expect(follow.stdout).toContain('two\n');
    expect(follow.stdout).not.toContain('::stage');
    expect(h.task(t.id)).toMatchObject({ status: 'completed', exitCode: 0 });
  });

  it('in the foreground streams its output and exits with its exit code', async () => {
    const fg = h.start(['task', 'p', 'fg', '--executor', 'slurm', '--', 'sh', '-c', 'echo from-the-node; exit 4']);
    expect(await fg.exited).toBe(4);
    expect(fg.stdout).toContain('from-the-node');
    expect(fg.stderr).toMatch(/submitted to Slurm as job \d+/);
  });

  it('restart runs it again on the same executor, or here with --executor local', async () => {
    const t = h.launch('p', 'again', ['sh', '-c', 'echo "where=${SLURM_JOB_ID:-here}"'], ['--executor', 'slurm']);
    await h.waitForStatus(t.id, ['completed'], 60_000);
    const r1 = h.run(['restart', t.id, '-b', '--json']);
    const again = JSON.parse(r1.stdout) as TaskJson;
    expect(again).toMatchObject({ executor: 'slurm', restartOf: t.id });
    const done = await h.waitForStatus(again.id, ['completed'], 60_000);
    expect(done.slurm!.jobId).not.toBe(h.task(t.id).slurm!.jobId);
    expect(h.log(again.id)).toContain(`where=${done.slurm!.jobId}`);
    const r2 = h.run(['restart', t.id, '-b', '--json', '--executor', 'local']);
    const here = JSON.parse(r2.stdout) as TaskJson;
    expect(here.executor).toBe('local');
    expect(here.slurm).toBeUndefined();
    await h.waitForStatus(here.id, ['completed']);
    expect(h.log(here.id)).toContain('where=here');
  });
});

describe('the queue and cancel', () => {
  it('a task stays queued while its job is PENDING, and cancelling it then means it never runs', async () => {
    await fillNode();
    const ran = join(h.home, 'ran');
    const t = h.launch('p', 'never', ['sh', '-c', `echo ran; touch ${ran}`], ['--executor', 'slurm']);
    const pending = await waitForJob(t.slurm!.jobId!, /^PENDING/);
    expect(pending.reason).toMatch(/Resources|Priority/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(statusJson().find((x) => x.id === t.id)?.status).toBe('queued');
    expect(h.run(['status']).stdout).toContain('on clusters: 0 running, 1 pending');
    const c = h.run(['cancel', t.id]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`it was queued as Slurm job ${t.slurm!.jobId} and never started`);
    expect(job(t.slurm!.jobId!)?.state).toBe('CANCELLED');
    for (const b of own) scancel(b);
    await new Promise((r) => setTimeout(r, 2000));
    expect(existsSync(ran)).toBe(false);
    expect(h.log(t.id)).not.toContain('ran');
    expect(h.task(t.id).status).toBe('cancelled');
    expect(h.task(t.id).pid).toBeUndefined();
    expect(existsSync(join(h.home, 'env', `${t.id}.json`))).toBe(false);
  });

  it('a job that ran without finding its task (a state dir the nodes do not share) says so', async () => {
    const t = h.launch('p', 'unshared', ['true'], ['--executor', 'held']);
    const jobId = t.slurm!.jobId!;
    await waitForJob(jobId, /^PENDING/);
    // Out of the job's sight while it runs, as on a node that does not see this state dir.
    const file = join(h.home, 'tasks', `${t.id}.json`);
    const aside = join(h.home, 'aside.json');
    renameSync(file, aside);
    spawnSync('scontrol', ['release', jobId], { env: process.env });
    await waitForJob(jobId, /^(FAILED|COMPLETED)/);
    renameSync(aside, file);
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(t.id).status).toBe('interrupted');
    expect(h.task(t.id).error).toMatch(
      new RegExp(
        `^Slurm job ${jobId} ended FAILED \\(exit code 1\\); its worker never started \\(is the state dir on a filesystem the nodes share`,
      ),
    );
    expect(h.log(t.id)).toContain(`task ${t.id} is not waiting for a worker`);
  });

  it('a job Slurm no longer knows (ended past MinJobAge) without a final state is interrupted, saying so', () => {
    writeTask(h, { id: 'gone0001', status: 'running', executor: 'slurm', slurm: { jobId: '99999999', node: 'n1' }, pid: 123 });
    const r = h.run(['status', '--all', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(h.task('gone0001')).toMatchObject({
      status: 'interrupted',
      error: 'Slurm job 99999999 is no longer known to Slurm; its worker recorded no end',
    });
  });
});

describe('pipelines and many tasks', () => {
  it('a pipeline project with an executor runs all its stages in one job', async () => {
    const stage = (name: string) => ({ name, run: 'echo "stage=$DEV_TOOLS_STAGE job=$SLURM_JOB_ID"; echo "::progress 100"' });
    h.writeConfig({
      ...CONFIG,
      projects: { pipe: { executor: 'slurm', cwd: h.home, stages: [stage('plan'), stage('build'), stage('test')] } },
    });
    const r = h.run(['task', 'pipe', 'three stages', '-b', '--json']);
    const t = JSON.parse(r.stdout) as TaskJson;
    expect(t.executor).toBe('slurm');
    const done = await h.waitForStatus(t.id, ['completed'], 60_000);
    const jobId = done.slurm!.jobId!;
    const log = h.log(t.id);
    for (const name of ['plan', 'build', 'test']) expect(log).toContain(`stage=${name} job=${jobId}`);
    expect(log.match(/==> \[dev-tools\] stage \d\/3/g)).toHaveLength(3);
    expect(done.stage).toMatchObject({ index: 2, count: 3, name: 'test' });
    expect(done.progress?.percent).toBe(100);
    expect(jobs().filter((j) => j.name === `dev-tools-${t.id}`)).toHaveLength(1);
  });

  it('status with many active Slurm tasks asks Slurm once', async () => {
    // A PATH shim that logs each Slurm command and runs the real one.
    const shim = join(h.home, 'shim');
    mkdirSync(shim);
    const calls = join(h.home, 'calls');
    for (const tool of ['squeue', 'scontrol', 'sacct', 'sinfo', 'sbatch', 'scancel']) {
      const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (!real) continue;
      writeFileSync(join(shim, tool), `#!/bin/sh\necho ${tool} >> "${calls}"\nexec ${real} "$@"\n`);
      chmodSync(join(shim, tool), 0o755);
    }
    const ids = Array.from({ length: 6 }, (_, i) => h.launch('p', `held ${i}`, ['true'], ['--executor', 'held']).id);
    const r = h.run(['status'], { env: { PATH: `${shim}:${process.env.PATH}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('on clusters: 0 running, 6 pending');
    expect(readFileSync(calls, 'utf8')).toBe('squeue\n');
    const c = h.run(['cancel', '--all']);
    expect(c.code, c.stderr).toBe(0);
    for (const id of ids) expect(h.task(id).status).toBe('cancelled');
  });
});

describe('mistakes at launch', () => {
  it('--no-queue is for local tasks', () => {
    const r = h.run(['task', 'p', 'x', '-b', '--no-queue', '--executor', 'slurm', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--no-queue is for local tasks');
    expect(readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it("a submission Slurm refuses fails the task with sbatch's reason, and the queue goes on", async () => {
    h.writeConfig({ executors: { nowhere: { type: 'slurm', sbatchArgs: ['--partition=nope'] } } });
    const r = h.run(['task', 'p', 'x', '-b', '--json', '--executor', 'nowhere', '--', 'true']);
    // Not started: the reason and a failure, as in the foreground (the task object still comes with --json).
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^dev-tools: task \w{8} failed: cannot submit to Slurm: sbatch: error: .*invalid partition/im);
    const t = JSON.parse(r.stdout) as TaskJson;
    expect(t.status).toBe('failed');
    expect(t.error).toMatch(/^cannot submit to Slurm: sbatch: error: .*(invalid partition|Invalid partition)/i);
    expect(readdirSync(join(h.home, 'env'))).toEqual([]);
    const next = h.launch('p', 'next', ['true']);
    await h.waitForStatus(next.id, ['completed']);
  });

  it('task -b says where the task went', () => {
    const r = h.run(['task', 'p', 'where', '-b', '--executor', 'held', '--', 'true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^submitted \w{8} \(p: where\)\n {2}job: {5}Slurm job \d+ on executor "held" \(squeue -j \d+\)\n {2}log: /);
  });

  it('squeue that cannot be run is a warning: the tasks are left as they are', async () => {
    const t = h.launch('p', 'held', ['true'], ['--executor', 'held']);
    const r = h.run(['status'], { env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: cannot ask Slurm about its jobs \(squeue not found on PATH/);
    expect(h.task(t.id).status).toBe('queued');
  });
});
