import { StringDecoder } from 'node:string_decoder';
import { formatBytes } from '../src/core/units.js';
import { isMarkerLine } from '../src/core/markers.js';
import { applyCarriageReturns, cleanColoredLogLine } from '../src/core/terminal-text.js';
import type { TailLine } from '../src/store/logs.js';

/** `[line of 20.0 MiB cut]`: said wherever a line is shown in part. */
function cutNote(bytes: number | null): string {
  return bytes === null ? '[line of over 64 MiB cut]' : `[line of ${formatBytes(bytes)} cut]`;
}

/**
 * The lines of a log as they arrive in chunks: bytes are decoded across chunk
 * boundaries, complete lines are cleaned once, and only the last `maxLines` are
 * kept (`dropped` counts the others). A line longer than `maxPartial` keeps its
 * start and says how long it was, so memory stays bounded and nothing goes silently.
 */
export class LogLines {
  private lines: string[] = [];
  private partial = '';
  /** Bytes of the current line beyond what `partial` keeps. */
  private partialCut = 0;
  /** Bytes of the current line before the loaded part (null: unknown, very long). */
  private partialLead: number | null = 0;
  private decoder = new StringDecoder('utf8');
  /** The current line was loaded by its start only (see pushTailLine). */
  private headOnly = false;
  /** Lines that were loaded and then let go of (beyond `maxLines`). */
  dropped = 0;

  constructor(
    private readonly maxLines = 5000,
    private readonly maxPartial = 64 * 1024,
    private readonly maxShown = 2000,
  ) {}

  /** The first bytes pushed are the end of a line that started `lead` bytes earlier. */
  startsMidLine(lead: number | null): void {
    this.partialLead = lead;
  }

  /** One line of a tail (store/logs.ts paneTail): whole, its start only, or its end only. */
  pushTailLine(line: TailLine): void {
    if (line.lead !== undefined) {
      this.startsMidLine(line.lead);
      return this.push(line.data);
    }
    if (line.cut === 0) return this.push(line.data);
    // Its start only, decoded on its own: a character cut in two at its end goes.
    const text = line.data.toString('utf8').replace(/\uFFFD$/, '');
    this.partial = text.slice(0, this.maxPartial);
    this.partialCut = line.cut - (line.ended ? 1 : 0) + Buffer.byteLength(text.slice(this.maxPartial));
    this.headOnly = true;
    if (line.ended) this.endLine();
  }

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    if (!text) return;
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl === -1) {
        this.append(text.slice(from));
        break;
      }
      this.append(text.slice(from, nl));
      this.endLine();
      from = nl + 1;
    }
    if (this.lines.length > this.maxLines) {
      const extra = this.lines.length - this.maxLines;
      this.lines.splice(0, extra);
      this.dropped += extra;
    }
  }

  private append(piece: string): void {
    if (piece === '') return;
    // A line loaded by its start only: what comes after its start was skipped, so the rest is not shown either.
    if (this.headOnly) {
      this.partialCut += Buffer.byteLength(piece);
      return;
    }
    if (this.partial.length + piece.length <= this.maxPartial) {
      this.partial += piece;
      return;
    }
    // A line redrawn with \r (a progress bar) shrinks to what a terminal shows so far,
    // then a \r and the part being written (which keeps overwriting it).
    let joined = this.partial + piece;
    const cr = joined.lastIndexOf('\r');
    if (cr >= 0) joined = `${applyCarriageReturns(joined.slice(0, cr))}\r${joined.slice(cr + 1)}`;
    if (joined.length <= this.maxPartial) {
      this.partial = joined;
      return;
    }
    this.partialCut += Buffer.byteLength(joined.slice(this.maxPartial));
    this.partial = joined.slice(0, this.maxPartial);
  }

  private render(raw: string): string | null {
    const lead = this.partialLead;
    const cut = this.partialCut;
    // A whole marker line is hidden (the log keeps it); a part of a line never is one.
    if (lead === 0 && cut === 0 && isMarkerLine(raw)) return null;
    // Colours kept (the pane draws them, or drops them under NO_COLOR); the rest goes.
    const clean = cleanColoredLogLine(raw, Infinity);
    const shown = clean.length > this.maxShown ? cleanColoredLogLine(raw, this.maxShown) : clean;
    if (lead === 0 && cut === 0 && shown === clean) return shown;
    // In front: the pane shows a line's start, so a note at its end would never be seen.
    const whole = lead === null ? null : lead + Buffer.byteLength(raw) + cut;
    return lead !== 0 ? `${cutNote(whole)} …${shown}` : `${cutNote(whole)} ${shown}…`;
  }

  private endLine(): void {
    const line = this.render(this.partial);
    if (line !== null) this.lines.push(line);
    this.partial = '';
    this.partialCut = 0;
    this.partialLead = 0;
    this.headOnly = false;
  }

  /** Complete lines plus the line still being written (a progress bar redrawn with `\r`). */
  snapshot(): string[] {
    if (this.partial === '') return [...this.lines];
    const last = this.render(this.partial);
    return last === null || last === '' ? [...this.lines] : [...this.lines, last];
  }

  reset(): void {
    this.lines = [];
    this.partial = '';
    this.partialCut = 0;
    this.partialLead = 0;
    this.headOnly = false;
    this.dropped = 0;
    this.decoder = new StringDecoder('utf8');
  }
}
