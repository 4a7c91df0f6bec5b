// An approval gate on a Slurm task, on a real single-node cluster: the job ends at the
// gate (no allocation held while a person reads the plan), and an approval submits the
// stages after it as a new job of the same task.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskJson } from '../../src/core/task.js';
import { Harness, waitFor } from '../integration/harness.js';
import { cancelJobsOf, job, requireCluster } from './cluster.js';

requireCluster();

let h: Harness;
beforeEach(() => {
  h = new Harness();
  h.writeConfig({
    executors: { slurm: { type: 'slurm', sbatchArgs: [] } },
    projects: {
      agents: {
        cwd: h.home,
        executor: 'slurm',
        stages: [
          { name: 'architect', run: 'echo "plan in job $SLURM_JOB_ID"; echo "::spend cost=0.1"' },
          { name: 'coder', run: 'echo "code in job $SLURM_JOB_ID"; echo "::spend cost=0.2"', approve: true },
        ],
      },
    },
  });
});
afterEach(async () => {
  await cancelJobsOf(h, []);
  h.cleanup();
});

const ACTIVE = /^(PENDING|RUNNING|COMPLETING|CONFIGURING|SUSPENDED)/;

describe('a gate on a Slurm task', () => {
  it('ends the job at the gate; approve submits the rest as a new job of the same task', async () => {
    const r = h.run(['task', 'agents', 'Add login page', '-b', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as TaskJson;
    const first = t.slurm!.jobId!;
    const waiting = await h.waitForStatus(t.id, ['waiting', 'failed', 'interrupted'], 60_000);
    expect(waiting.status).toBe('waiting');
    expect(waiting.runsOn).toMatchObject({ kind: 'slurm', jobId: null, node: null });
    // The job is over: nothing of the cluster is held while the task waits.
    await waitFor(() => !ACTIVE.test(job(first)?.state ?? '') || undefined, `job ${first} to end`, 30_000);
    expect(h.run(['status']).code).toBe(0);
    expect(h.task(t.id).status).toBe('waiting');

    const approve = h.run(['approve', t.id]);
    expect(approve.code, approve.stderr).toBe(0);
    const second = await waitFor(() => h.task(t.id).slurm?.jobId ?? undefined, 'the new job to be recorded', 30_000);
    expect(second).not.toBe(first);
    const done = await h.waitForStatus(t.id, ['completed', 'failed', 'interrupted'], 60_000);
    expect(done.status).toBe('completed');
    expect(done.spend).toEqual({ tokens: 0, costUsd: 0.3 });
    const log = h.log(t.id);
    expect(log).toContain(`plan in job ${first}`);
    expect(log).toContain(`code in job ${second}`);
    expect(log.match(/plan in job/g)).toHaveLength(1);
  });
});
