// Progress markers in a task's output (`::progress 42 msg`, `::stage name`): the one
// place that decides what a marker line is. The log keeps them; every reader hides them.
import { stripControl } from './terminal-text.js';

export type Marker =
  | { kind: 'progress'; percent: number; message: string | null }
  | { kind: 'stage'; name: string }
  | { kind: 'spend'; tokens: number | null; costUsd: number | null };

/**
 * A marker line holds at most this many bytes (a `\r` before its newline aside). In
 * bytes, as the worker and the log's readers meet it: a longer line is output, for all.
 */
export const MAX_MARKER_BYTES = 1024;

/** Parses one output line (without its newline); null when it is not a valid marker. */
export function parseMarker(line: string): Marker | null {
  if (!line.startsWith('::')) return null;
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.length > MAX_MARKER_BYTES || Buffer.byteLength(text) > MAX_MARKER_BYTES) return null;
  const progress = /^::progress[ \t]+([0-9]+(?:\.[0-9]+)?)%?(?:[ \t]+(.*))?$/.exec(text);
  if (progress) {
    const percent = Number(progress[1]);
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) return null;
    const message = progress[2]?.trim() || null;
    return { kind: 'progress', percent, message: message ? cleanText(message) : null };
  }
  if (text.startsWith('::spend')) return parseSpend(text);
  const stage = /^::stage[ \t]+(.+)$/.exec(text);
  if (stage) {
    const name = cleanText(stage[1]!.trim());
    return name ? { kind: 'stage', name } : null;
  }
  return null;
}

/**
 * `::spend tokens=1200 cost=0.031` (either key may be missing, not both; each once):
 * a whole number of tokens, a cost in USD. Anything else is output, so a typo shows.
 */
function parseSpend(text: string): Marker | null {
  const m = /^::spend((?:[ \t]+[a-z]+=[^ \t]*)+)[ \t]*$/.exec(text);
  if (!m) return null;
  let tokens: number | null = null;
  let costUsd: number | null = null;
  for (const pair of m[1]!.trim().split(/[ \t]+/)) {
    const [key, value] = pair.split('=') as [string, string];
    if (key === 'tokens' && tokens === null && /^[0-9]{1,15}$/.test(value)) tokens = Number(value);
    // jq prints a small cost as 1.2e-05: taken as written.
    else if (key === 'cost' && costUsd === null && /^[0-9]{1,12}(?:\.[0-9]{1,17})?(?:[eE][-+]?[0-9]{1,3})?$/.test(value))
      costUsd = Number(value);
    else return null;
  }
  return { kind: 'spend', tokens, costUsd };
}

// Marker text ends up in tables: no control characters.
function cleanText(s: string): string {
  return stripControl(s).slice(0, 200);
}

const NL = 0x0a;
const COLON = 0x3a;

/** Whether a whole line (without its newline) is a valid marker, and so hidden from readers. */
export function isMarkerLine(line: Buffer | string): boolean {
  if (typeof line === 'string') return parseMarker(line) !== null;
  return line.length > 2 && line[0] === COLON && line[1] === COLON && parseMarker(line.toString('utf8')) !== null;
}

/**
 * Splits a byte stream into what goes to the log and the markers it carries.
 * Valid marker lines are dropped from the output; everything else passes through
 * byte for byte (binary safe). Only a line that starts with "::" is held back
 * until its newline, and only up to a bounded length.
 */
export class MarkerScanner {
  private atLineStart = true;
  private pending: Buffer | null = null;

  feed(chunk: Buffer): { output: Buffer[]; markers: Marker[] } {
    const output: Buffer[] = [];
    const markers: Marker[] = [];
    let data = chunk;
    if (this.pending) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    let passStart = 0;
    while (pos < data.length) {
      if (this.atLineStart && data[pos] === COLON) {
        const nl = data.indexOf(NL, pos);
        if (nl === -1) {
          if (data.length - pos <= MAX_MARKER_BYTES + 1) {
            if (pos > passStart) output.push(data.subarray(passStart, pos));
            this.pending = Buffer.from(data.subarray(pos));
            return { output, markers };
          }
          // Too long to be a marker: an ordinary line.
          this.atLineStart = false;
          pos = data.length;
          break;
        }
        const marker = parseMarker(data.toString('utf8', pos, nl));
        if (marker) {
          if (pos > passStart) output.push(data.subarray(passStart, pos));
          markers.push(marker);
          pos = nl + 1;
          passStart = pos;
          this.atLineStart = true;
          continue;
        }
        pos = nl + 1;
        this.atLineStart = true;
        continue;
      }
      // Jump straight to the next line that starts with ':' (a one-byte search, then a look
      // at the byte before); other lines are passed through untouched.
      let next = data.indexOf(COLON, pos + 1);
      while (next !== -1 && data[next - 1] !== NL) next = data.indexOf(COLON, next + 1);
      if (next === -1) {
        this.atLineStart = data[data.length - 1] === NL;
        pos = data.length;
        break;
      }
      pos = next;
      this.atLineStart = true;
    }
    if (pos > passStart) output.push(data.subarray(passStart, pos));
    return { output, markers };
  }

  /** At end of stream: a held-back partial line is output (a marker needs its newline... or not). */
  end(): { output: Buffer[]; markers: Marker[] } {
    if (!this.pending) return { output: [], markers: [] };
    const rest = this.pending;
    this.pending = null;
    const marker = parseMarker(rest.toString('utf8'));
    return marker ? { output: [], markers: [marker] } : { output: [rest], markers: [] };
  }
}
