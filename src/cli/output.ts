import { fstatSync, statSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { gateName } from '../core/gate.js';
import { describeEnd, formatStatus, STATUS_COLORS } from '../core/task-view.js';
import type { Task, TaskStatus } from '../core/task.js';
import { colorsAllowed } from '../core/terminal-codes.js';
import { printable, TerminalFilter } from '../core/terminal-text.js';

const CODES: Record<string, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  yellowBright: [93, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  blueBright: [94, 39],
  gray: [90, 39],
  bold: [1, 22],
  dim: [2, 22],
  inverse: [7, 27],
};

let colorDisabled = false;

export function disableColor(): void {
  colorDisabled = true;
}

type Fd = 1 | 2;
const terminal: Partial<Record<Fd, boolean>> = {};

/**
 * Whether stdout (1) or stderr (2) is a terminal. process.stdout and process.stderr
 * load Node's stream modules when first touched (some 2 ms): a file, a pipe or
 * /dev/null is told apart from a terminal with a stat instead.
 */
export function isTerminal(fd: Fd = 1): boolean {
  let tty = terminal[fd];
  if (tty === undefined) {
    try {
      const st = fstatSync(fd);
      tty = st.isCharacterDevice() && st.rdev !== statSync('/dev/null').rdev && Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
    } catch {
      tty = false;
    }
    terminal[fd] = tty;
  }
  return tty;
}

/** Colour only on a terminal, and never with NO_COLOR or --no-color. */
export function colorEnabled(fd: Fd = 1): boolean {
  if (colorDisabled) return false;
  return colorsAllowed(process.env) && isTerminal(fd);
}

export function paint(color: string, text: string, fd: Fd = 1): string {
  const c = CODES[color];
  if (!c || !colorEnabled(fd)) return text;
  return `\x1b[${c[0]}m${text}\x1b[${c[1]}m`;
}

export function terminalWidth(): number {
  if (isTerminal(1) && process.stdout.columns) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 20 ? env : 120;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to stdout or stderr, synchronously, without process.stdout's
 * streams (see isTerminal). A pipe left non-blocking by another process is waited
 * on; a reader that went away (`| head`) ends the command quietly, as it would a
 * Unix tool, not with a stack trace.
 */
export function writeOut(text: string | Buffer, fd: Fd = 1): void {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  for (let off = 0; off < buf.length;) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(pause, 0, 0, 5);
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw err;
    }
  }
}

/** JSON for machines: compact into a pipe or file (as pm2 jlist and pueue do), indented on a terminal. */
export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value, null, isTerminal(1) ? 2 : undefined)}\n`);
}

export function warn(message: string): void {
  writeOut(`${paint('yellow', 'warning:', 2)} ${printable(message)}\n`, 2);
}

export function statusExitCode(status: TaskStatus, exitCode: number | null | undefined): number {
  if (status === 'completed') return 0;
  if (status === 'failed' && typeof exitCode === 'number' && exitCode > 0 && exitCode < 256) return exitCode;
  if (status === 'cancelled') return 130;
  return 1;
}

/**
 * Where a task's bytes go on stdout (`logs`, a foreground task): as they are into a pipe,
 * a file or with `raw`; on a terminal decoded and filtered, so only colours reach it (a
 * task cannot clear the screen, retitle the window or write the clipboard). `null` ends
 * the output (what a split sequence held back).
 */
export function outputWriter(raw = false): (data: Buffer | null) => void {
  if (raw || !isTerminal(1)) return (data) => void (data && writeOut(data));
  const filter = new TerminalFilter(colorEnabled());
  const decoder = new StringDecoder('utf8');
  return (data) => {
    const text = data ? filter.push(decoder.write(data)) : filter.push(decoder.end()) + filter.end();
    if (text) writeOut(text);
  };
}

/** Text for stdout made safe for a terminal (colours kept unless turned off); as it is elsewhere. */
export function terminalSafe(text: string): string {
  if (!isTerminal(1)) return text;
  const filter = new TerminalFilter(colorEnabled());
  return filter.push(text) + filter.end();
}

/** How a task ended, as `wait` and `logs -f` say it: `mh3k9x2a ✖ failed (exit code 3)`, coloured for `fd`. */
export function endedLine(t: Task, fd: Fd = 1): string {
  const end = t.status === 'waiting' && t.gate ? `for ${t.waitingFor ?? 'approval'} before ${gateName(t.gate)}` : describeEnd(t);
  return `${t.id} ${paint(STATUS_COLORS[t.status], formatStatus(t.status), fd)}${end ? ` (${end})` : ''}`;
}
