// Slurm as cluster users expect it, on the real test cluster: why a job waits, a
// suspended job, a time limit and a requeue named in the task's error, per-task sbatch
// options, a shared squeue answer, and a controller that does not answer (local work
// stays fast, a cancel Slurm did not take changes nothing, a launch it refuses fails), and
// the stops Slurm sends (scancel from outside, the TERM and KILL of a cancel).
//
// Slurm ends a job at its time limit no sooner than a minute after it starts, and checks
// every 30 s, counted again from a restart of slurmctld: the job that reaches its limit is
// started before the first test and its end is checked by the last one, so the minute and a
// half passes while the others run, and the tests that stop slurmctld run early, not just
// before that check. It holds one CPU meanwhile; the tests that need a full node fill what
// is left of it, and run first (that CPU, freed at the limit, would start their pending job).
// Over 250 lines: the scenarios share one cluster, the job that reaches its time limit meanwhile, and their cleanup.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { alive, Harness, pidsWithEnv, waitFor } from '../integration/harness.js';
import {
  cancelJobsOf,
  fillNode,
  job,
  jobs,
  requireCluster,
  scancel,
  scontrol,
  SKIP_REASON,
  startController,
  stopController,
  waitForJob,
} from './cluster.js';

requireCluster();

const CONFIG = {
  executors: {
    slurm: { type: 'slurm', sbatchArgs: [] },
    held: { type: 'slurm', sbatchArgs: ['--hold'] },
  },
};

/** The task that reaches its time limit, in a state dir of its own (see the header). */
let timed: { h: Harness; task: TaskJson } | null = null;
beforeAll(async () => {
  if (SKIP_REASON !== null) return;
  const th = new Harness();
  th.writeConfig(CONFIG);
  const task = th.launch('p', 'too long', ['sh', '-c', 'echo up; sleep 300'], ['--executor', 'slurm', '--sbatch-arg=--time=1']);
  timed = { h: th, task };
  // Running before the tests start, so the CPU it holds is not taken for free by a test filling the node.
  await waitForJob(task.slurm!.jobId!, /^RUNNING/);
});
afterAll(async () => {
  if (!timed) return;
  await cancelJobsOf(timed.h, []);
  timed.h.cleanup();
});

let h: Harness;
/** Jobs a test submitted itself (blockers), cancelled after it. */
let own: string[];
beforeEach(() => {
  h = new Harness();
  own = [];
  h.writeConfig(CONFIG);
});
afterEach(async () => {
  await cancelJobsOf(h, own);
  h.cleanup();
});

/** Live processes of a task's commands, wherever they went (setsid ones too): they carry its id. */
function commandProcesses(id: string): number[] {
  return pidsWithEnv(`DEV_TOOLS_TASK_ID=${id}`).filter(alive);
}

function statusJson(env: Record<string, string> = {}): TaskJson[] {
  const r = h.run(['status', '--json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as TaskJson[];
}

/** A PATH on which every Slurm command is logged (one line per call, to `calls`) before the real one runs. */
function loggingPath(): { PATH: string; calls: () => string[] } {
  const shim = join(h.home, 'shim');
  mkdirSync(shim, { recursive: true });
  const log = join(h.home, 'calls');
  for (const tool of ['squeue', 'scontrol', 'sbatch', 'scancel']) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(shim, tool), `#!/bin/sh\necho ${tool} >> "${log}"\nexec ${real} "$@"\n`);
    chmodSync(join(shim, tool), 0o755);
  }
  return {
    PATH: `${shim}:${process.env.PATH}`,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

describe('what Slurm says of a job', () => {
  it('a pending job shows why it waits, in status and status --json; a held one says it is held; one scancelled from outside never started', async () => {
    await fillNode(own);
    const t = h.launch('p', 'waits', ['true'], ['--executor', 'slurm']);
    const held = h.launch('p', 'held', ['true'], ['--executor', 'held']);
    await waitFor(() => /Resources|Priority/.test(job(t.slurm!.jobId!)?.reason ?? '') || undefined, 'the job to wait for resources');
    const listed = statusJson();
    expect(listed.find((x) => x.id === t.id)).toMatchObject({
      status: 'queued',
      slurm: { jobId: t.slurm!.jobId, state: 'PENDING', reason: expect.stringMatching(/^(Resources|Priority)$/) },
    });
    expect(listed.find((x) => x.id === held.id)?.slurm).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
    const table = h.run(['status'], { env: { COLUMNS: '200' } }).stdout;
    expect(table).toMatch(new RegExp(`${t.id} .*… queued +slurm#${t.slurm!.jobId} +\\((Resources|Priority)\\)`));
    expect(table).toMatch(new RegExp(`${held.id} .*held#${held.slurm!.jobId} +\\(JobHeldUser\\)`));
    // Shown, never written: the task file keeps only the job.
    expect(h.task(t.id).slurm).toEqual({ jobId: t.slurm!.jobId, node: null });

    // A scancel from outside while it waits: it never ran, and says so.
    scancel(t.slurm!.jobId!);
    await waitForJob(t.slurm!.jobId!, /^CANCELLED/);
    expect(statusJson().find((x) => x.id === t.id)).toBeUndefined();
    expect(h.task(t.id)).toMatchObject({
      status: 'interrupted',
      error: `Slurm job ${t.slurm!.jobId} ended CANCELLED; its worker never started`,
    });
  });

  it('a suspended job shows as suspended with its clock standing still, and runs on when resumed', async () => {
    const t = h.launch('p', 'pausable', ['sh', '-c', 'echo up; sleep 6; echo done'], ['--executor', 'slurm']);
    await waitFor(() => h.log(t.id).includes('up') || undefined, 'the command to start');
    expect(scontrol('suspend', t.slurm!.jobId!).code).toBe(0);
    await waitForJob(t.slurm!.jobId!, /^SUSPENDED/);
    const row = () =>
      h
        .run(['status'], { env: { COLUMNS: '200' } })
        .stdout.split('\n')
        .find((l) => l.startsWith(t.id)) ?? '';
    const first = row();
    expect(first).toContain('‖ suspended');
    expect(first).not.toContain('running');
    expect(statusJson().find((x) => x.id === t.id)).toMatchObject({ status: 'running', slurm: { state: 'SUSPENDED' } });
    // Slurm counts only the time it ran: the ELAPSED cell does not move while it is suspended.
    await new Promise((r) => setTimeout(r, 2500));
    const elapsed = (line: string) => line.match(/ (\d+s) /)?.[1];
    expect(elapsed(row())).toBe(elapsed(first));
    expect(scontrol('resume', t.slurm!.jobId!).code).toBe(0);
    const done = await h.waitForStatus(t.id, ['completed', 'failed', 'interrupted', 'cancelled'], 60_000);
    expect(done.status).toBe('completed');
    expect(h.log(t.id)).toContain('done');
  });

  it('a requeued job (--sbatch-arg=--requeue, scontrol requeue): the task is interrupted saying so and never runs twice', async () => {
    const runs = join(h.home, 'runs');
    const t = h.launch(
      'p',
      'requeued',
      ['sh', '-c', `echo run >> ${runs}; echo up; sleep 300`],
      ['--executor', 'slurm', '--sbatch-arg=--requeue'],
    );
    await waitFor(() => h.log(t.id).includes('up') || undefined, 'the command to start');
    const r = scontrol('requeue', t.slurm!.jobId!);
    expect(r.code, r.stderr).toBe(0);
    const stopped = await h.waitForStatus(t.id, ['interrupted', 'cancelled', 'failed', 'completed'], 30_000);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toBe(
      `Slurm requeued job ${t.slurm!.jobId} (scontrol requeue, a node failure or preemption): its task does not run twice; restart it instead`,
    );
    // The job runs again (Slurm holds a requeued job back a while, its BeginTime: let it go now,
    // and again while it pends, whatever reason it shows at that moment: a CI run saw it pend past
    // 60 s); its worker finds the task ended and leaves. On a timeout, the job's last state is named.
    let last = '';
    await waitFor(
      () => {
        const j = job(t.slurm!.jobId!);
        last = j ? `${j.state} (${j.reason})` : 'gone from squeue';
        if (j?.state.startsWith('PENDING')) scontrol('update', `JobId=${t.slurm!.jobId}`, 'StartTime=now');
        return h.log(t.id).includes('not waiting for a worker') || undefined;
      },
      "the requeued job's worker to leave",
      150_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (job ${t.slurm!.jobId}: ${last})`);
    });
    await waitForJob(t.slurm!.jobId!, /^(COMPLETED|FAILED)/, 30_000);
    expect(readFileSync(runs, 'utf8')).toBe('run\n');
  }, 240_000);

  it('--sbatch-arg: checked at launch, given to sbatch after the executor options (a bad --mem fails the launch)', async () => {
    const local = h.run(['task', 'p', 'x', '-b', '--sbatch-arg=--mem=1G', '--', 'true']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('--sbatch-arg is for a task on a Slurm executor');
    const reserved = h.run(['task', 'p', 'x', '-b', '--executor', 'slurm', '--sbatch-arg', '--output=/tmp/x', '--', 'true']);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain('--output is set by dev-tools');
    expect(h.allTasks()).toEqual([]);

    // The node has its real memory (cluster.sh), so a modest --mem runs and an absurd one is refused by sbatch.
    const fits = h.launch(
      'p',
      'fits',
      ['sh', '-c', 'echo "mem=$SLURM_MEM_PER_NODE"'],
      ['--executor', 'slurm', '--sbatch-arg', '--mem=100M'],
    );
    expect(fits.slurm!.sbatchArgs).toEqual(['--mem=100M']);
    await h.waitForStatus(fits.id, ['completed'], 60_000);
    expect(h.log(fits.id)).toContain('mem=100');
    const r = h.run(['task', 'p', 'too big', '-b', '--executor', 'slurm', '--sbatch-arg=--mem=100T', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^dev-tools: task (\w{8}) failed: cannot submit to Slurm: sbatch: error: .*(Memory specification|node configuration)/m,
    );
    expect(r.stdout).toBe('');
    const failed = h.allTasks().find((x) => x.description === 'too big')!;
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^cannot submit to Slurm/) });
  });
});

describe('a controller that does not answer', () => {
  afterEach(() => {
    // Whatever a test did, the cluster is back for the next one.
    startController();
  });

  /** Wall time of one CLI run, in ms. */
  function timed(home: Harness, args: string[]): { ms: number; code: number | null; stderr: string } {
    const t0 = performance.now();
    const r = home.run(args);
    return { ms: performance.now() - t0, code: r.code, stderr: r.stderr };
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

  it('status of local tasks and a local launch never wait for the stopped controller (they take what they take without Slurm); status of Slurm tasks warns once and uses the last answer', async () => {
    // The same local work in two state dirs; only the first also has a Slurm task. Interleaved pairs, medians.
    const control = new Harness();
    try {
      h.writeConfig({ ...CONFIG, projects: { loc: { stages: [{ name: 's', run: 'sleep 60' }] } } });
      control.writeConfig({ projects: { loc: { stages: [{ name: 's', run: 'sleep 60' }] } } });
      for (const home of [h, control]) for (let i = 0; i < 3; i++) expect(home.run(['task', 'loc', `local ${i}`, '-b']).code).toBe(0);
      const remote = h.launch('p', 'on the cluster', ['true'], ['--executor', 'held']);
      expect(statusJson().find((x) => x.id === remote.id)?.slurm?.state).toBe('PENDING');
      await stopController();

      // Shows Slurm tasks: asks, gives up at the deadline (squeue itself would take 18 s), and says so once.
      const first = timed(h, ['status']);
      expect(first.code).toBe(0);
      // The 3 s deadline, and room for a loaded machine (9.3 s seen at load 16): far from squeue's 18 s.
      expect(first.ms).toBeLessThan(3000 + 9000);
      expect(first.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^warning: cannot ask Slurm about its jobs \(squeue did not answer within 3 s\); showing its answer of \d+ s ago$/,
        ),
      ]);

      const down: Record<string, number[]> = { status: [], local: [], launch: [] };
      const normal: Record<string, number[]> = { status: [], local: [], launch: [] };
      for (let i = 0; i < 5; i++) {
        // Within the backoff after that failure nobody asks again: the last answer is used at once.
        down.status!.push(timed(h, ['status']).ms);
        normal.status!.push(timed(control, ['status']).ms);
        down.local!.push(timed(h, ['status', 'loc']).ms);
        normal.local!.push(timed(control, ['status', 'loc']).ms);
      }
      for (let i = 0; i < 3; i++) {
        const a = timed(h, ['task', 'misc', `launch ${i}`, '-b', '--', 'true']);
        const b = timed(control, ['task', 'misc', `launch ${i}`, '-b', '--', 'true']);
        expect(a.code, a.stderr).toBe(0);
        down.launch!.push(a.ms);
        normal.launch!.push(b.ms);
      }
      // Asking the stopped controller at all would cost its 3 s deadline; a ratio would be the load's (speed lives in bench/).
      for (const what of ['status', 'local', 'launch']) {
        const extra = median(down[what]!) - median(normal[what]!);
        expect(
          extra,
          `${what}: ${down[what]!.map(Math.round).join(',')} ms against ${normal[what]!.map(Math.round).join(',')} ms`,
        ).toBeLessThan(1500);
      }
    } finally {
      control.cleanup();
    }
  });

  it('a cancel Slurm did not take changes nothing: a later stop from outside is an interruption, a pending task still runs', async () => {
    const ran = join(h.home, 'ran');
    const running = h.launch('p', 'running', ['sh', '-c', 'echo up; sleep 300'], ['--executor', 'slurm']);
    const pending = h.launch('p', 'pending', ['sh', '-c', `touch ${ran}`], ['--executor', 'held']);
    await waitFor(() => h.log(running.id).includes('up') || undefined, 'the command to start');
    await stopController();

    // The two cancels and a launch at once (each waits for Slurm's own complaint, 9 s here).
    const cancels = [running, pending].map((t) => ({ t, cli: h.start(['cancel', t.id]) }));
    const launch = h.start(['task', 'p', 'no controller', '-b', '--executor', 'slurm', '--', 'true']);
    for (const { t, cli } of cancels) {
      expect(await cli.exited, cli.stdout).toBe(1);
      expect(cli.stderr).toMatch(
        new RegExp(`^dev-tools: task ${t.id} is not cancelled: scancel ${t.slurm!.jobId}: .*Unable to contact slurm controller`),
      );
      // No mark is left for a later stop to be taken for this cancel.
      expect(existsSync(join(h.home, 'run', t.id, 'cancel'))).toBe(false);
    }
    expect(h.task(running.id).status).toBe('running');
    expect(h.task(pending.id).status).toBe('queued');

    // A launch Slurm cannot take fails, saying why (as in the foreground).
    expect(await launch.exited).toBe(1);
    expect(launch.stderr).toMatch(
      /^dev-tools: task \w{8} failed: cannot submit to Slurm: sbatch: error: .*Unable to contact slurm controller/m,
    );

    startController();
    scancel(running.slurm!.jobId!);
    const stopped = await h.waitForStatus(running.id, ['interrupted', 'cancelled', 'failed', 'completed'], 30_000);
    expect(stopped).toMatchObject({
      status: 'interrupted',
      error: `Slurm stopped job ${running.slurm!.jobId} (scancel outside dev-tools)`,
    });
    expect(scontrol('release', pending.slurm!.jobId!).code).toBe(0);
    const done = await h.waitForStatus(pending.id, ['completed', 'cancelled', 'failed', 'interrupted'], 60_000);
    expect(done.status).toBe('completed');
    expect(existsSync(ran)).toBe(true);
  });
});

describe('stops Slurm sends: scancel from outside, and the TERM and KILL of a cancel', () => {
  // Here, not in executor.test.ts, so they run while the job of the last test nears its time limit.
  it('scancel from outside dev-tools of a running job: the task is interrupted, with the reason, also when the cluster had to KILL its worker', async () => {
    const t = h.launch('p', 'outside', ['sh', '-c', 'echo up; sleep 100'], ['--executor', 'slurm']);
    await waitFor(() => h.log(t.id).includes('up') || undefined, 'the command to start');
    scancel(h.task(t.id).slurm!.jobId!);
    const stopped = await h.waitForStatus(t.id, ['interrupted', 'cancelled', 'failed', 'completed'], 30_000);
    expect(stopped.status).toBe('interrupted');
    expect(stopped.error).toMatch(/^Slurm stopped job \d+ \(scancel outside dev-tools\)$/);
    expect(commandProcesses(t.id)).toEqual([]);

    // A worker the cluster had to KILL (its command ignores TERM) cannot say so: whoever finds the job ended does.
    h.writeConfig({ ...CONFIG, cancelGraceMs: 60_000 });
    const stubborn = h.launch('p', 'outside', ['sh', '-c', 'trap "" TERM; echo up; sleep 100'], ['--executor', 'slurm']);
    await waitFor(() => h.log(stubborn.id).includes('up') || undefined, 'the command to start');
    const jobId = h.task(stubborn.id).slurm!.jobId!;
    scancel(jobId);
    await waitForJob(jobId, /^CANCELLED/, 30_000);
    expect(h.run(['wait', stubborn.id]).code).toBe(1);
    expect(h.task(stubborn.id)).toMatchObject({
      status: 'interrupted',
      error: `Slurm job ${jobId} ended CANCELLED (signal 9); its worker recorded no end`,
    });
  });

  it('cancel of a running job whose command ignores TERM (with a setsid child) leaves no process', async () => {
    const script = 'trap "" TERM; echo started; sleep 1000 & setsid sh -c \'trap "" TERM; sleep 999\' & wait';
    const t = h.launch('p', 'stubborn', ['sh', '-c', script], ['--executor', 'slurm']);
    const running = await waitFor(() => {
      const now = h.task(t.id);
      return now.status === 'running' && h.log(t.id).includes('started') && commandProcesses(t.id).length >= 4 ? now : undefined;
    }, 'the command and its children to run');
    expect(h.run(['status']).stdout).toContain('running 0/10 · on clusters: 1 running, 0 pending');
    const c = h.run(['cancel', t.id]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`cancelled ${t.id} (Slurm job ${running.slurm!.jobId})`);
    // cancel returns once the job has left the running states: nothing of the task is left.
    expect(commandProcesses(t.id)).toEqual([]);
    expect(alive(running.pid)).toBe(false);
    expect(job(running.slurm!.jobId!)?.state).toMatch(/^(CANCELLED|COMPLETED)/);
    expect(h.task(t.id).status).toBe('cancelled');
  });

  it('cancel of a running job whose command dies of the TERM Slurm sends it too: cancelled, never failed', async () => {
    // Slurm signals the worker and the command at once: the command's death must not read as a failure.
    for (let i = 0; i < 3; i++) {
      const t = h.launch('p', `obedient ${i}`, ['sh', '-c', 'echo up; sleep 100'], ['--executor', 'slurm']);
      await waitFor(() => h.log(t.id).includes('up') || undefined, 'the command to start');
      const c = h.run(['cancel', t.id]);
      expect(c.code, c.stderr).toBe(0);
      expect(h.task(t.id)).toMatchObject({ status: 'cancelled', error: null });
      expect(commandProcesses(t.id)).toEqual([]);
    }
  });

  it('with a grace shorter than the cluster KillWait the worker records the cancel itself', async () => {
    h.writeConfig({ ...CONFIG, cancelGraceMs: 1000 });
    const t = h.launch('p', 'graceful', ['sh', '-c', 'trap "" TERM; echo started; sleep 1000'], ['--executor', 'slurm']);
    await waitFor(() => h.log(t.id).includes('started') || undefined, 'the command to start');
    const c = h.run(['cancel', t.id]);
    expect(c.code, c.stderr).toBe(0);
    expect(h.task(t.id)).toMatchObject({ status: 'cancelled', error: null });
    expect(h.log(t.id)).toContain('==> [dev-tools] cancelled');
    expect(commandProcesses(t.id)).toEqual([]);
  });
});

describe('the shared squeue answer', () => {
  it('two waits on a running Slurm task share one answer: a few squeue calls in 10 s, not one each second', async () => {
    const slurm = loggingPath();
    const t = h.launch('p', 'long', ['sh', '-c', 'echo up; sleep 10'], ['--executor', 'slurm']);
    const waits = [h.start(['wait', t.id], { env: { PATH: slurm.PATH } }), h.start(['wait', t.id], { env: { PATH: slurm.PATH } })];
    expect(await waits[0]!.exited).toBe(0);
    expect(await waits[1]!.exited).toBe(0);
    const squeue = slurm.calls().filter((c) => c === 'squeue').length;
    // Before: each wait asked every second (two waits: 20 calls). Now: 3 s, then longer while nothing changes.
    expect(squeue).toBeGreaterThan(0);
    expect(squeue).toBeLessThanOrEqual(6);
    expect(existsSync(join(h.home, 'squeue.json'))).toBe(true);
  });
});

describe('a job that reaches its time limit (started before the first test)', () => {
  it('is recorded TIMEOUT with its limit, and a restart with --sbatch-arg asks for more time', async () => {
    const { h: th, task } = timed!;
    expect(task.slurm!.sbatchArgs).toEqual(['--time=1']);
    const limit = jobs([task.slurm!.jobId!])[0];
    expect(limit).toBeTruthy();
    const ended = await th.waitForStatus(task.id, ['interrupted', 'failed', 'completed', 'cancelled'], 150_000);
    expect(ended.status).toBe('interrupted');
    expect(ended.error).toBe(
      `Slurm stopped job ${task.slurm!.jobId}: TIMEOUT (it reached its time limit, 1m: restart it with --sbatch-arg=--time=<more>)`,
    );
    expect(job(task.slurm!.jobId!)?.state).toMatch(/^(TIMEOUT|COMPLETING)/);

    const r = th.run(['restart', task.id, '-b', '--json', '--sbatch-arg=--time=5']);
    expect(r.code, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout) as TaskJson;
    // Its own options go with it, the new one last (sbatch takes the last of two).
    expect(again.slurm!.sbatchArgs).toEqual(['--time=1', '--time=5']);
    await waitFor(() => job(again.slurm!.jobId!)?.state.match(/RUNNING|PENDING/) ?? undefined, 'the new job');
    const shown = JSON.parse(th.run(['status', '--json']).stdout) as TaskJson[];
    expect(shown.find((x) => x.id === again.id)?.slurm?.timeLimit).toBe(300);
    expect(th.run(['cancel', again.id]).code).toBe(0);
  }, 200_000);
});
