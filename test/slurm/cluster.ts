// The Slurm tests' view of the cluster test/slurm/cluster.sh starts: is it there, the
// state of a job, and a cleanup that cancels every job a test submitted.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, beforeEach } from 'vitest';
import { waitFor, type Harness } from '../integration/harness.js';

const BASE = process.env.SLURM_BASE ?? join(process.env.TMPDIR || '/tmp', 'dev-tools-slurm');
/** The cluster's config: $SLURM_CONF (.ci/run exports it), else where cluster.sh puts it. */
export const SLURM_CONF = process.env.SLURM_CONF ?? join(BASE, 'slurm.conf');

function onPath(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Why the Slurm tests cannot run here, or null when the cluster answers. */
function unavailable(): string | null {
  for (const tool of ['sbatch', 'squeue', 'scancel', 'sinfo']) {
    if (!onPath(tool)) return `${tool} is not installed (apt-get install slurmctld slurmd slurm-client munge; test/slurm/cluster.sh up)`;
  }
  if (!existsSync(SLURM_CONF)) return `no cluster: ${SLURM_CONF} does not exist (start one with test/slurm/cluster.sh up)`;
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { env: { ...process.env, SLURM_CONF }, encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0 || !/idle|mixed|alloc/.test(r.stdout)) {
    return `the cluster of ${SLURM_CONF} does not answer or has no usable node (sinfo: ${(r.stderr || r.stdout).trim().slice(0, 120)})`;
  }
  return null;
}

export const SKIP_REASON = unavailable();
if (SKIP_REASON === null) process.env.SLURM_CONF = SLURM_CONF;

/**
 * Outside CI a missing cluster skips the Slurm tests, saying why; in CI it fails them
 * loudly (.ci/run starts the cluster: a skip there would hide a broken executor).
 */
export function requireCluster(): void {
  beforeAll(() => {
    if (SKIP_REASON === null) return;
    if (process.env.CI === 'true') throw new Error(`CI=true, but the Slurm tests cannot run: ${SKIP_REASON}`);
    process.stderr.write(`Slurm tests skipped: ${SKIP_REASON}\n`);
  });
  beforeEach((ctx) => {
    if (SKIP_REASON !== null && process.env.CI !== 'true') ctx.skip(SKIP_REASON);
  });
}

function slurm(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { env: { ...process.env, SLURM_CONF }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface JobRow {
  id: string;
  state: string;
  node: string;
  name: string;
  reason: string;
}

/** Jobs as squeue shows them (finished ones too, until MinJobAge). */
export function jobs(ids?: string[]): JobRow[] {
  const r = slurm('squeue', ['-h', '-t', 'all', '-O', 'JobID:|,State:|,NodeList:|,Name:|,Reason:|', ...(ids ? ['-j', ids.join(',')] : [])]);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, state, node, name, reason] = l.split('|').map((f) => f.trim());
      return { id: id!, state: state!, node: node!, name: name!, reason: reason! };
    });
}

export function job(id: string): JobRow | undefined {
  return jobs().find((j) => j.id === id);
}

const ACTIVE = /^(PENDING|RUNNING|COMPLETING|CONFIGURING|SUSPENDED)/;

/** Submits a job of the test's own (a blocker filling the node); returns its id. */
export function submit(args: string[], command: string): string {
  const r = slurm('sbatch', ['--parsable', '--output=/dev/null', ...args, `--wrap=${command}`]);
  if (r.code !== 0) throw new Error(`sbatch failed: ${r.stderr}`);
  return r.stdout.trim().split(';')[0]!;
}

export function scancel(id: string): void {
  slurm('scancel', [id]);
}

export async function waitForJob(id: string, state: RegExp, timeoutMs = 30_000): Promise<JobRow> {
  return waitFor(
    () => {
      const j = job(id);
      return j && state.test(j.state) ? j : undefined;
    },
    `Slurm job ${id} to be ${state}`,
    timeoutMs,
  );
}

/** Cancels every job of this test (its tasks' jobs and `extra`) and waits until none is left running. */
export async function cancelJobsOf(h: Harness, extra: string[]): Promise<void> {
  // No cluster, no jobs (and squeue without one can take its whole timeout to say so).
  if (SKIP_REASON !== null) return;
  const names = new Set(h.allTasks().map((t) => `dev-tools-${t.id}`));
  const mine = jobs().filter((j) => ACTIVE.test(j.state) && (names.has(j.name) || extra.includes(j.id)));
  for (const j of mine) scancel(j.id);
  if (mine.length === 0) return;
  await waitFor(() => jobs(mine.map((j) => j.id)).every((j) => !ACTIVE.test(j.state)) || undefined, 'the test jobs to end', 60_000, 200);
}

/** CPUs of the node no job holds now (`sinfo %C`: allocated/idle/other/total). */
export function idleCpus(): number {
  const r = slurm('sinfo', ['-h', '-o', '%C']);
  return Number(r.stdout.trim().split('/')[1] ?? 0);
}

/** Fills what is left of the node with a job of the test's own, so the next jobs stay PENDING (Resources). */
export async function fillNode(own: string[]): Promise<string> {
  const cpus = idleCpus();
  const blocker = submit(cpus > 0 ? [`--cpus-per-task=${cpus}`, '--job-name=blocker'] : ['--job-name=blocker'], 'sleep 300');
  own.push(blocker);
  if (cpus > 0) await waitForJob(blocker, /^RUNNING/);
  return blocker;
}

/** Runs `scontrol <args>` (suspend, resume, requeue, release) on the test cluster. */
export function scontrol(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return slurm('scontrol', args);
}

const CLUSTER_SH = fileURLToPath(new URL('cluster.sh', import.meta.url));

/** Stops slurmctld only (the node's slurmd and the jobs it runs go on), as a controller that went away. */
export async function stopController(): Promise<void> {
  const pidFile = join(BASE, 'slurmctld.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGTERM');
  await waitFor(() => (existsSync(`/proc/${pid}`) && !/^Z/m.test(procState(pid)) ? undefined : true), 'slurmctld to stop', 30_000, 100);
}

function procState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '';
  } catch {
    return 'Z';
  }
}

/** Starts whatever of the cluster is not running (cluster.sh up) and waits until the node answers. */
export function startController(): void {
  const r = spawnSync(CLUSTER_SH, ['up'], { env: { ...process.env, SLURM_CONF }, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`cluster.sh up failed: ${r.stderr}`);
}
