import { StringDecoder } from 'node:string_decoder';
import { parseMarker } from '../src/core/progress.js';
import { stripControls, stripEscapes } from '../src/core/text.js';

/** Keeps the last line a terminal would show for a line with `\r`: later text overwrites earlier text. */
function applyCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r');
  let shown = '';
  for (const part of parts) {
    if (part === '') continue;
    shown = part + shown.slice(part.length);
  }
  return shown;
}

/** One line of a task's output made safe to draw: no escape sequences, no control characters. */
export function cleanLogLine(raw: string, maxLength = 2000): string {
  const line = stripControls(applyCarriageReturns(stripEscapes(raw)).replace(/\t/g, '    '));
  return line.length > maxLength ? line.slice(0, maxLength) : line;
}

/**
 * The lines of a log as they arrive in chunks: bytes are decoded across chunk
 * boundaries, complete lines are cleaned once, and only the last `maxLines` are kept.
 */
export class LogLines {
  private lines: string[] = [];
  private partial = '';
  private decoder = new StringDecoder('utf8');

  constructor(private readonly maxLines = 5000, private readonly maxPartial = 64 * 1024) {}

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!text) return;
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() ?? '';
    if (this.partial.length > this.maxPartial) {
      pieces.push(this.partial);
      this.partial = '';
    }
    for (const p of pieces) if (parseMarker(p) === null) this.lines.push(cleanLogLine(p));
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  /** Complete lines plus the line still being written (a progress bar redrawn with `\r`). */
  snapshot(): string[] {
    if (this.partial === '' || parseMarker(this.partial) !== null) return [...this.lines];
    const last = cleanLogLine(this.partial);
    return last === '' ? [...this.lines] : [...this.lines, last];
  }

  reset(): void {
    this.lines = [];
    this.partial = '';
    this.decoder = new StringDecoder('utf8');
  }
}
