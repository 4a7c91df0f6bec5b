import type { TaskStatus } from '../core/task.js';
import { printable } from '../core/terminal-text.js';

const CODES: Record<string, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  bold: [1, 22],
  dim: [2, 22],
};

let colorDisabled = false;

export function disableColor(): void {
  colorDisabled = true;
}

/** Colour only on a terminal, and never with NO_COLOR or --no-color. */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (colorDisabled) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

export function paint(color: string, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  const c = CODES[color];
  if (!c || !colorEnabled(stream)) return text;
  return `\x1b[${c[0]}m${text}\x1b[${c[1]}m`;
}

export function terminalWidth(stream: NodeJS.WriteStream = process.stdout): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 20 ? env : 120;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${paint('yellow', 'warning:', process.stderr)} ${printable(message)}\n`);
}

export function statusExitCode(status: TaskStatus, exitCode: number | null | undefined): number {
  if (status === 'completed') return 0;
  if (status === 'failed' && typeof exitCode === 'number' && exitCode > 0 && exitCode < 256) return exitCode;
  if (status === 'cancelled') return 130;
  return 1;
}
