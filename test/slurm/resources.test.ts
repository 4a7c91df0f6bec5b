// What a Slurm task uses comes from `sstat`, where the cluster gathers it; the test
// cluster has no job accounting (JobAcctGatherType=jobacct_gather/none), so its tasks
// show no resources: absent from --json, no CPU/MEM columns, `-` in the detail. (Its sstat
// still lists the batch step, with an empty AveRSS and an AveCPU of nonsense.)
import { afterEach, beforeEach, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import type { TaskJson } from '../../src/core/task.js';
import { Harness, waitFor } from '../integration/harness.js';
import { cancelJobsOf, requireCluster, SLURM_CONF } from './cluster.js';

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

it('a running Slurm task has resources only where sstat answers for its job', async () => {
  const t = h.launch('p', 'busy on slurm', ['sh', '-c', 'while :; do :; done'], ['--executor', 'slurm']);
  const jobId = t.slurm!.jobId!;
  const statusJson = () => JSON.parse(h.run(['status', '--json']).stdout) as TaskJson[];
  await waitFor(() => statusJson().find((x) => x.id === t.id && x.status === 'running' && x.slurm?.node), 'the task to run on its node');
  // What the cluster says of the job's batch step, asked as dev-tools asks it.
  const sstat = spawnSync('sstat', ['-n', '-P', '-a', '-o', 'JobID,AveCPU,AveRSS,MaxRSS', '-j', jobId], {
    encoding: 'utf8',
    env: { ...process.env, SLURM_CONF },
  });
  // Without job accounting it still lists the batch step, with no memory and a CPU time of nonsense.
  const answers = sstat.status === 0 && new RegExp(`^${jobId}\\.batch\\|[^|]*\\|\\d`, 'm').test(sstat.stdout);
  // A few rounds of squeue (each status asks it anew when its answer is old).
  for (let i = 0; i < 3; i++) {
    const shown = statusJson().find((x) => x.id === t.id)!;
    if (answers) {
      expect(shown.resources!.cpuSeconds).toBeGreaterThanOrEqual(0);
      return;
    }
    expect(shown).not.toHaveProperty('resources');
    expect(h.task(t.id)).not.toHaveProperty('resources');
    await new Promise((r) => setTimeout(r, 1000));
  }
  const table = h.run(['status'], { env: { COLUMNS: '160' } }).stdout;
  expect(table).toMatch(/STATUS\s+EXECUTOR/);
  expect(table).not.toMatch(/\bCPU\b|\bMEM\b/);
  expect(h.run(['cancel', t.id]).code).toBe(0);
});
