// Slurm's client commands (sbatch, squeue, scancel), run without a shell and with a
// deadline: a controller that does not answer must never hang a dev-tools command.
import { errnoReason } from '../../../core/errors.js';
import { isUnknownJobError, parseScontrolJob, type JobStop } from '../../../core/slurm.js';
import { programOnPath } from '../../command-path.js';

export interface SlurmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * squeue and scontrol answer in milliseconds; past this the controller counts as not
 * answering (squeue takes 18 s to say so itself), and the last answer is used.
 */
export const QUERY_TIMEOUT_MS = 3000;
/** scancel is asked for by a user, who waits for it: long enough to hear its own complaint (9 s with no controller). */
const CANCEL_TIMEOUT_MS = 12_000;

/** A Slurm command that could not run, or did not answer in time. */
export class SlurmUnavailable extends Error {}

/** Slurm commands still running: a process that exits before one answers ends it (a query asked in passing). */
const running = new Set<{ kill(signal: NodeJS.Signals): boolean }>();
let endsWithProcess = false;
function endWithProcess(child: { kill(signal: NodeJS.Signals): boolean }): void {
  running.add(child);
  if (endsWithProcess) return;
  endsWithProcess = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/**
 * Runs a Slurm command: its output, whatever its exit code (callers read squeue's
 * and scancel's errors); a SlurmUnavailable when it cannot be started or overruns.
 */
export function runSlurm(
  program: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<SlurmResult> {
  const name = program.slice(program.lastIndexOf('/') + 1);
  return new Promise((resolve, reject) => {
    // Loaded here, not at the top: `status` of local tasks runs no Slurm command.
    const child = process
      .getBuiltinModule('node:child_process')
      .spawn(program, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const take = (into: Buffer[]) => (d: Buffer) => {
      size += d.length;
      if (size <= MAX_OUTPUT) into.push(d);
    };
    endWithProcess(child);
    child.stdout.on('data', take(out));
    child.stderr.on('data', take(err));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      running.delete(child);
      reject(new SlurmUnavailable(`${name} did not answer within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s`));
    }, opts.timeoutMs ?? 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new SlurmUnavailable(
          missing ? `${name} not found on PATH (is Slurm's client installed?)` : `cannot run ${name}: ${errnoReason(e)}`,
        ),
      );
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => {}); // a command that exits without reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** The first line of a command's complaint, for an error message. */
export function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/** Where a Slurm command is on a PATH, or one line saying it is missing. */
export function findSlurmCommand(name: string, pathVar: string | undefined): { path: string } | { problem: string } {
  const path = programOnPath(name, pathVar);
  return path ? { path } : { problem: `${name} is not on PATH (install Slurm's client commands, or use --executor local)` };
}

/** What Slurm says of a job right now (`scontrol -o show job`), for a worker Slurm signalled; null when it cannot be asked. */
export async function jobStop(jobId: string): Promise<JobStop | null> {
  try {
    const r = await runSlurm('scontrol', ['-o', 'show', 'job', jobId], { timeoutMs: QUERY_TIMEOUT_MS });
    return r.code === 0 ? parseScontrolJob(r.stdout) : null;
  } catch {
    return null;
  }
}

/** `scancel <job>`: TERM to every process of the job, KILL after the cluster's KillWait. */
export async function cancelJob(jobId: string): Promise<void> {
  const r = await runSlurm('scancel', [jobId], { timeoutMs: CANCEL_TIMEOUT_MS });
  // A job that already ended is what cancel wanted.
  if (r.code !== 0 && !isUnknownJobError(r.stderr) && !/already completing or completed/i.test(r.stderr)) {
    throw new SlurmUnavailable(`scancel ${jobId}: ${firstLine(r.stderr) || `exit code ${r.code}`}`);
  }
}
