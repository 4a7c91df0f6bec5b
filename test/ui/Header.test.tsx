import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { Header } from '../../components/Header.js';
import { makeTask } from '../fixtures/index.js';

afterEach(() => cleanup());

describe('Header', () => {
  it('counts slots for local tasks only and tasks on a cluster apart', () => {
    const slurm = { executor: 'hpc', runsOn: { kind: 'slurm' as const, jobId: '1', node: null } };
    const entries = [
      makeTask({ id: 'loc00001' }),
      makeTask({ id: 'loc00002', status: 'queued' }),
      makeTask({ id: 'rem00001', ...slurm, runsOn: { kind: 'slurm', jobId: '1', node: 'n1' } }),
      makeTask({ id: 'rem00002', status: 'queued', ...slurm }),
      makeTask({ id: 'rem00003', status: 'queued', ...slurm }),
      makeTask({ id: 'rem00004', status: 'failed', ...slurm }),
    ];
    const frame = render(<Header entries={entries} maxParallel={4} showAll={false} filter="" />).lastFrame()!;
    expect(frame).toContain('running 1/4 · queued 1 · failed 1 · on clusters 1 running, 2 pending');
    const local = render(<Header entries={entries.slice(0, 2)} maxParallel={4} showAll={false} filter="" />).lastFrame()!;
    expect(local).not.toContain('cluster');
  });
});
