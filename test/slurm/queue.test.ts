// The queue's controls on the Slurm executor (test/slurm/cluster.sh up): a task after
// Slurm tasks is submitted at once with --dependency=afterok and held by the cluster; a
// timeout is also the job's --time.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Harness, waitFor } from '../integration/harness.js';
import { cancelJobsOf, job, requireCluster, SLURM_CONF } from './cluster.js';

requireCluster();

let h: Harness;
beforeEach(() => {
  h = new Harness();
  h.writeConfig({ executors: { slurm: { type: 'slurm', sbatchArgs: [] } } });
});
afterEach(async () => {
  await cancelJobsOf(h, []);
  h.cleanup();
});

/** `scontrol show job`'s field, as Slurm holds it for the job. */
function jobField(id: string, field: string): string | null {
  const r = spawnSync('scontrol', ['show', 'job', id], { env: { ...process.env, SLURM_CONF }, encoding: 'utf8' });
  return new RegExp(`\\b${field}=(\\S*)`).exec(r.stdout)?.[1] ?? null;
}

describe('the queue on Slurm', () => {
  it('a task after Slurm tasks is submitted at once with --dependency=afterok on their jobs, runs once they completed, with --time from its timeout', async () => {
    const gate = `${h.home}/go`;
    const a = h.launch('p', 'build', ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done`], ['--executor', 'slurm']);
    const b = h.launch('p', 'test', ['sh', '-c', 'echo tested'], ['--executor', 'slurm', '--after', a.id, '--timeout', '1m']);
    // Submitted already: the cluster holds it on its dependency.
    expect(b.status).toBe('queued');
    expect(b.slurm?.jobId).toMatch(/^\d+$/);
    expect(jobField(b.slurm!.jobId!, 'Dependency')).toBe(`afterok:${a.slurm!.jobId}(unfulfilled)`);
    // 1 minute and the margin of 2 that lets the worker stop it first.
    expect(jobField(b.slurm!.jobId!, 'TimeLimit')).toBe('00:03:00');
    spawnSync('touch', [gate]);
    const end = await h.waitForStatus(b.id, ['completed', 'failed', 'interrupted'], 90_000);
    expect(end.status).toBe('completed');
    expect(h.log(b.id)).toContain('tested');
  });

  it('a dependency that fails fails the task waiting for it and withdraws its job from the cluster', async () => {
    const gate = `${h.home}/go`;
    const a = h.launch('p', 'build', ['sh', '-c', `while [ ! -e ${gate} ]; do sleep 0.1; done; exit 4`], ['--executor', 'slurm']);
    const b = h.launch('p', 'test', ['sh', '-c', 'echo never'], ['--executor', 'slurm', '--after', a.id]);
    const jobId = b.slurm!.jobId!;
    spawnSync('touch', [gate]);
    await h.waitForStatus(a.id, ['failed'], 90_000);
    // A job's worker does not run the scheduler here: the next command does.
    const end = await waitFor(
      () => {
        h.run(['status']);
        const t = h.task(b.id);
        return t.status === 'failed' ? t : undefined;
      },
      'the dependent to fail',
      60_000,
      500,
    );
    expect(end.error).toBe(`dependency ${a.id} failed`);
    await waitFor(() => !/^(PENDING|RUNNING)/.test(job(jobId)?.state ?? '') || undefined, 'its job to leave the queue', 30_000);
    expect(h.log(b.id)).not.toContain('never');
  });
});
