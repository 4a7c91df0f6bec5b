// Choosing where a task runs, and the mistakes made doing it: config.json's executors,
// a project's executor, --executor, and what is checked at launch. No cluster needed
// (test/slurm runs tasks on one).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { Harness } from './harness.js';

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

function taskFiles(): string[] {
  try {
    return readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
}

describe('config.json executors', () => {
  it('names what is wrong with an executor, as with any other key', () => {
    const cases: [unknown, RegExp][] = [
      [{ executors: { local: { type: 'slurm' } } }, /invalid executor name "local": .*not "local": it is built in/],
      [{ executors: { 'a/b': { type: 'slurm' } } }, /invalid executor name "a\/b"/],
      [{ executors: { hpc: { type: 'k8s' } } }, /executors\.hpc\.type must be "slurm"/],
      [{ executors: { hpc: { type: 'slurm', partition: 'x' } } }, /unknown key executors\.hpc\.partition/],
      [{ executors: { hpc: { type: 'slurm', sbatchArgs: '--time=1' } } }, /executors\.hpc\.sbatchArgs must be an array of sbatch options/],
      [
        { executors: { hpc: { type: 'slurm', sbatchArgs: ['--output=/tmp/x'] } } },
        /sbatchArgs\.0 cannot hold "--output=\/tmp\/x": --output is set by dev-tools/,
      ],
      [{ projects: { web: { executor: '' } } }, /projects\.web\.executor must be the name of an executor/],
      ['{"executors": {"__proto__": {"type": "slurm"}}}', /invalid executor name "__proto__"/],
    ];
    for (const [config, message] of cases) {
      h.writeConfig(config);
      const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
      expect(r.code, JSON.stringify(config)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('choosing the executor at launch', () => {
  it('an unknown --executor, or a project naming one, is a usage error that lists the known ones; nothing is written', () => {
    h.writeConfig({ executors: { hpc: { type: 'slurm' } }, projects: { web: { executor: 'hcp' } } });
    const r = h.run(['task', 'api', 'x', '-b', '--executor', 'gpu', '--', 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('dev-tools: unknown executor "gpu": known executors are "local", "hpc"\n');
    const p = h.run(['task', 'web', 'x', '-b', '--', 'true']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('unknown executor "hcp" (executor of project "web")');
    // Names are looked up as own keys: Object.prototype's are not executors.
    for (const name of ['constructor', 'toString', '__proto__']) {
      const o = h.run(['task', 'api', 'x', '-b', '--executor', name, '--', 'true']);
      expect(o.code, name).toBe(2);
      expect(o.stderr).toContain(`unknown executor "${name}"`);
    }
    expect(taskFiles()).toEqual([]);
  });

  it('a Slurm executor without sbatch on the launching PATH fails the launch with one clear line', () => {
    h.writeConfig({ executors: { hpc: { type: 'slurm' } } });
    const r = h.run(['task', 'api', 'x', '-b', '--executor', 'hpc', '--', 'true'], { env: { PATH: join(h.home, 'no-bin') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'dev-tools: executor "hpc" runs tasks on Slurm, but sbatch is not on PATH (install Slurm\'s client commands, or use --executor local)\n',
    );
    expect(taskFiles()).toEqual([]);
  });

  it('--executor local runs a task of a Slurm project here; a plain task records "local" and shows no EXECUTOR column', async () => {
    // An sbatch that would fail loudly: the local run must never call it.
    const bin = join(h.home, 'fake-bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sbatch'), '#!/bin/sh\necho "sbatch must not run" >&2\nexit 1\n');
    chmodSync(join(bin, 'sbatch'), 0o755);
    h.writeConfig({ executors: { hpc: { type: 'slurm' } }, projects: { web: { executor: 'hpc', cwd: h.home } } });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const r = h.run(['task', 'web', 'here', '-b', '--json', '--executor', 'local', '--', 'sh', '-c', 'echo "job=${SLURM_JOB_ID:-none}"'], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as TaskJson;
    expect(t.executor).toBe('local');
    expect(t.slurm).toBeUndefined();
    await h.waitForStatus(t.id, ['completed']);
    expect(h.log(t.id)).toContain('job=none');
    const table = h.run(['status', '--all'], { env: { COLUMNS: '160' } }).stdout;
    expect(table).not.toContain('EXECUTOR');
  });
});
