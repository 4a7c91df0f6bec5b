// The output of a task that runs in a terminal (`--tty`) as a person saw it: a small
// screen that plays the stream back (carriage returns, backspaces, cursor moves,
// clears), so that `logs` and the dashboard's log pane show lines, not escape codes.
// It knows what shells, prompts, progress bars and agents' full-screen views use; other
// sequences (colours, modes, titles) are dropped.

/** Rows of the played-back screen: more than any terminal's, so that absolute moves land where they were meant. */
const PLAY_ROWS = 200;
/** Columns: wide enough that a line is never wrapped here when the task's terminal did not wrap it. */
const PLAY_COLS = 500;

import { isMarkerLine } from './markers.js';

const ESC = '\x1b';

export class TerminalScreen {
  private grid: string[][];
  private x = 0;
  private y = 0;
  private saved: { x: number; y: number } = { x: 0, y: 0 };
  /** Lines scrolled off the top (or cleared away), oldest first. */
  private readonly history: string[] = [];
  /** The main screen while a full-screen program has the alternate one. */
  private main: { grid: string[][]; x: number; y: number } | null = null;
  /** A sequence cut at the end of a chunk: it goes before the next one. */
  private pending = '';

  constructor(
    private readonly cols = PLAY_COLS,
    private readonly rows = PLAY_ROWS,
    private readonly historyLimit = 10_000,
  ) {
    this.grid = this.blank();
  }

  private blank(): string[][] {
    return Array.from({ length: this.rows }, () => []);
  }

  write(chunk: string): void {
    const text = this.pending + chunk;
    this.pending = '';
    let i = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === ESC) {
        const end = sequenceEnd(text, i);
        if (end === -1) {
          // Cut off: keep it for the next chunk (a runaway one is given up on).
          if (text.length - i < 4096) this.pending = text.slice(i);
          return;
        }
        this.escape(text.slice(i, end));
        i = end;
        continue;
      }
      const code = c.charCodeAt(0);
      if (c === '\r') this.x = 0;
      else if (c === '\n' || c === '\v' || c === '\f') {
        // As a new line: the worker's own lines in the log end with \n alone.
        this.x = 0;
        this.lineFeed();
      } else if (c === '\b') this.x = Math.max(0, this.x - 1);
      else if (c === '\t') this.x = Math.min(this.cols - 1, (Math.floor(this.x / 8) + 1) * 8);
      else if (code >= 0x20 && code !== 0x7f && (code < 0x80 || code > 0x9f)) this.put(c);
      i++;
    }
  }

  private put(c: string): void {
    if (this.x >= this.cols) {
      this.x = 0;
      this.lineFeed();
    }
    const row = this.grid[this.y]!;
    while (row.length < this.x) row.push(' ');
    row[this.x] = c;
    this.x++;
  }

  private lineFeed(): void {
    if (this.y < this.rows - 1) {
      this.y++;
      return;
    }
    const top = this.grid.shift()!;
    if (!this.main) this.keep(lineOf(top));
    this.grid.push([]);
  }

  private keep(line: string): void {
    this.history.push(line);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
  }

  private escape(seq: string): void {
    if (seq[1] === '[') return this.csi(seq);
    if (seq === `${ESC}7`) this.saved = { x: this.x, y: this.y };
    else if (seq === `${ESC}8`) ({ x: this.x, y: this.y } = this.saved);
    else if (seq === `${ESC}M`) this.y = Math.max(0, this.y - 1);
    else if (seq === `${ESC}c`) this.clearAll();
    // OSC (titles, links), DCS, charsets, keypad modes: nothing on the screen.
  }

  private csi(seq: string): void {
    const final = seq[seq.length - 1]!;
    const body = seq.slice(2, -1);
    const isPrivate = body.startsWith('?');
    const params = (isPrivate ? body.slice(1) : body).split(';').map((p) => (p === '' ? NaN : Number(p)));
    const n = (i: number, dflt = 1) => (Number.isFinite(params[i]) && params[i]! > 0 ? params[i]! : dflt);
    if (isPrivate) {
      if (/^\?(1049|47|1047)$/.test(body)) this.alternate(final === 'h');
      return;
    }
    switch (final) {
      case 'A':
        this.y = Math.max(0, this.y - n(0));
        break;
      case 'B':
      case 'e':
        this.y = Math.min(this.rows - 1, this.y + n(0));
        break;
      case 'C':
      case 'a':
        this.x = Math.min(this.cols - 1, this.x + n(0));
        break;
      case 'D':
        this.x = Math.max(0, this.x - n(0));
        break;
      case 'E':
        this.y = Math.min(this.rows - 1, this.y + n(0));
        this.x = 0;
        break;
      case 'F':
        this.y = Math.max(0, this.y - n(0));
        this.x = 0;
        break;
      case 'G':
      case '`':
        this.x = Math.min(this.cols - 1, n(0) - 1);
        break;
      case 'd':
        this.y = Math.min(this.rows - 1, n(0) - 1);
        break;
      case 'H':
      case 'f':
        this.y = Math.min(this.rows - 1, n(0) - 1);
        this.x = Math.min(this.cols - 1, n(1) - 1);
        break;
      case 'J':
        this.eraseDisplay(Number.isFinite(params[0]) ? params[0]! : 0);
        break;
      case 'K':
        this.eraseLine(Number.isFinite(params[0]) ? params[0]! : 0);
        break;
      case 'P': {
        const row = this.grid[this.y]!;
        row.splice(this.x, n(0));
        break;
      }
      case 'X': {
        const row = this.grid[this.y]!;
        for (let i = this.x; i < Math.min(row.length, this.x + n(0)); i++) row[i] = ' ';
        break;
      }
      case '@': {
        const row = this.grid[this.y]!;
        if (row.length > this.x) row.splice(this.x, 0, ...Array<string>(n(0)).fill(' '));
        break;
      }
      case 's':
        this.saved = { x: this.x, y: this.y };
        break;
      case 'u':
        ({ x: this.x, y: this.y } = this.saved);
        break;
      default:
      // colours (m), scroll regions, modes: nothing to place
    }
  }

  private eraseLine(mode: number): void {
    const row = this.grid[this.y]!;
    if (mode === 0) row.length = Math.min(row.length, this.x);
    else if (mode === 1) for (let i = 0; i <= this.x && i < row.length; i++) row[i] = ' ';
    else row.length = 0;
  }

  private eraseDisplay(mode: number): void {
    if (mode === 0) {
      this.eraseLine(0);
      for (let r = this.y + 1; r < this.rows; r++) this.grid[r] = [];
    } else if (mode === 1) {
      for (let r = 0; r < this.y; r++) this.grid[r] = [];
      this.eraseLine(1);
    } else this.clearAll();
  }

  /** A whole-screen clear: what was on the main screen stays readable above (as a terminal's scrollback keeps it). */
  private clearAll(): void {
    if (!this.main) for (const line of trimEnd(this.grid.map(lineOf))) this.keep(line);
    this.grid = this.blank();
  }

  private alternate(on: boolean): void {
    if (on && !this.main) {
      this.main = { grid: this.grid, x: this.x, y: this.y };
      this.grid = this.blank();
    } else if (!on && this.main) {
      ({ grid: this.grid, x: this.x, y: this.y } = this.main);
      this.main = null;
    }
  }

  /** The screen as it is now: its rows up to the last one written (the cursor's row at least). */
  screen(): string[] {
    const lines = this.grid.map(lineOf);
    let last = lines.length - 1;
    while (last > this.y && lines[last] === '') last--;
    return lines.slice(0, last + 1);
  }

  /** The lines that scrolled or were cleared away since the last call (a stream's finished lines). */
  takeHistory(): string[] {
    return this.history.splice(0, this.history.length);
  }

  /** Everything: what scrolled or was cleared away, then the screen, without trailing blank lines. */
  lines(): string[] {
    return trimEnd([...this.history, ...this.screen()]);
  }
}

function lineOf(row: string[]): string {
  return row.join('').replace(/\s+$/, '');
}

function trimEnd(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === '') end--;
  return lines.slice(0, end);
}

/** Where the escape sequence at `i` ends (exclusive), or -1 when the text ends first. */
function sequenceEnd(text: string, i: number): number {
  const kind = text[i + 1];
  if (kind === undefined) return -1;
  if (kind === '[') {
    for (let j = i + 2; j < text.length; j++) {
      const c = text.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1;
    }
    return -1;
  }
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^' || kind === 'X') {
    for (let j = i + 2; j < text.length; j++) {
      if (text[j] === '\x07') return j + 1;
      if (text[j] === ESC && text[j + 1] === '\\') return j + 2;
    }
    return -1;
  }
  // ESC ( B and the like take one more character.
  if (kind >= ' ' && kind <= '/') return i + 3 <= text.length ? i + 3 : -1;
  return i + 2;
}

/** A terminal stream (a tty task's log) as the lines it showed; marker lines left out. */
export function renderTerminalStream(text: string): string[] {
  const screen = new TerminalScreen();
  screen.write(text);
  return screen.lines().filter((l) => !isMarkerLine(l));
}

/**
 * A terminal stream as it grows (`logs -f` of a tty task): each line once it is done
 * (the cursor left it with a new line), as the screen then showed it.
 */
export class TerminalLines {
  // One row: a line that scrolls off it is finished.
  private readonly screen = new TerminalScreen(PLAY_COLS, 1);

  feed(text: string): string[] {
    this.screen.write(text);
    return this.screen.takeHistory().filter((l) => !isMarkerLine(l));
  }

  /** The last line, unfinished. */
  end(): string[] {
    return this.screen.lines().filter((l) => !isMarkerLine(l));
  }
}
