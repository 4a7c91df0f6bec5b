// A program the user works in, on the whole terminal, until it exits: the dashboard's
// pager and editor. Synchronous on purpose: the caller's event loop stops, so it reads
// no key that belongs to the program (and so not through runner/program.ts, whose
// programs are run and read, never handed the terminal).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface TerminalRun {
  /** The program's exit code; null when it was killed by a signal or could not start. */
  code: number | null;
  error?: string;
  /** The file to open is not there (a task that has not started has no log). */
  missing?: boolean;
}

/**
 * Runs `argv` (`dev-tools attach <id>`) on this terminal until it exits; `terminal` sets it
 * up for it and back, as for a pager.
 */
export function handTerminalToCommand(argv: string[], terminal: { handOver: () => void; takeBack: () => void }): TerminalRun {
  terminal.handOver();
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit' });
    if (r.error) return { code: null, error: r.error.message };
    return { code: r.status };
  } finally {
    setTimeout(() => process.off('SIGINT', ignore), 200);
    terminal.takeBack();
  }
}

/**
 * Runs `commandLine "$file"` through sh (so `less -R` or `code --wait` work as typed),
 * with this terminal; `terminal` sets it up for the program and back, only if there is a file to open.
 */
export function handTerminalTo(
  commandLine: string,
  file: string,
  terminal: { handOver: () => void; takeBack: () => void } = { handOver: () => undefined, takeBack: () => undefined },
): TerminalRun {
  if (!existsSync(file)) return { code: null, missing: true };
  terminal.handOver();
  // Ctrl+C in the program reaches this process too (same foreground group): it is the program's.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    const r = spawnSync('/bin/sh', ['-c', `${commandLine} "$1"`, 'sh', file], { stdio: 'inherit' });
    if (r.error) return { code: null, error: r.error.message };
    return { code: r.status };
  } finally {
    // A Ctrl+C caught meanwhile is delivered on a later turn of the loop: still the program's.
    setTimeout(() => process.off('SIGINT', ignore), 200);
    terminal.takeBack();
  }
}
