// Slurm's client commands (sbatch, squeue, scancel, scontrol), run through runner/program.ts
// without a shell and with a deadline: a controller that does not answer must never hang a
// dev-tools command.
import { isUnknownJobError, parseScontrolJob, type JobStop } from '../../../core/slurm.js';
import { programOnPath } from '../../command-path.js';
import { runProgram } from '../../program.js';

export interface SlurmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An answer larger than this is not an answer (squeue of thousands of jobs is a few MiB). */
const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * squeue and scontrol answer in milliseconds; past this the controller counts as not
 * answering (squeue takes 18 s to say so itself), and the last answer is used.
 */
export const QUERY_TIMEOUT_MS = 3000;
/** scancel is asked for by a user, who waits for it: long enough to hear its own complaint (9 s with no controller). */
const CANCEL_TIMEOUT_MS = 12_000;

/** A Slurm command that could not run, did not answer in time, or printed more than an answer. */
export class SlurmUnavailable extends Error {}

/**
 * Runs a Slurm command: its output, whatever its exit code (callers read squeue's and
 * scancel's errors); a SlurmUnavailable when it cannot be started, overruns its deadline
 * (it is stopped: TERM, then KILL) or prints too much.
 */
export async function runSlurm(
  program: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<SlurmResult> {
  const name = program.slice(program.lastIndexOf('/') + 1);
  const r = await runProgram([program, ...args], {
    env: opts.env ?? process.env,
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? 30_000,
    maxOutput: MAX_OUTPUT,
  });
  if (r.failure?.errno === 'ENOENT') {
    throw new SlurmUnavailable(`${name} not found on PATH (is Slurm's client installed?)`);
  }
  if (r.failure?.kind === 'spawn') throw new SlurmUnavailable(`cannot run ${name}: ${r.failure.message}`);
  if (r.failure) throw new SlurmUnavailable(r.failure.message);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
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
