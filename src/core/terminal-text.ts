/**
 * Escape sequences and control characters: the one place that knows them, for the
 * log pane (cleanLogLine: draws none), `dev-tools logs` on a terminal (TerminalFilter:
 * keeps colours) and every string from a file or the environment (printable).
 * Order matters: string commands and CSI before the generic ESC pair.
 */
const SEQUENCE = new RegExp(
  [
    '\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)', // OSC: titles, links, clipboard writes; ended by BEL or ST
    '\\x1b[PX^_][^\\x1b]*\\x1b\\\\', // DCS, SOS, PM, APC: up to ST
    '\\x1b\\[[0-?]*[ -/]*[@-~]', // CSI: colours, cursor moves, screen modes
    '\\u009b[0-?]*[ -/]*[@-~]', // the same as one 8-bit character
    '\\x1b[ -/]*[0-OQ-WYZ\\\\`-~]', // any other ESC sequence (charset, keypad mode, reset); not an introducer
  ].join('|'),
  'g',
);
/** A sequence cut off at the end of the text: the rest may come with the next chunk. */
const UNFINISHED =
  /(?:\x1b(?:\][^\x07\x1b]*|[PX^_][^\x1b]*|\[[0-?]*[ -/]*|[ -/]*)|\x1b\][^\x07]*\x1b|\x1b[PX^_][^\x1b]*\x1b|\u009b[0-?]*[ -/]*)$/;
const SGR = /^\x1b\[[0-9;:]*m$/;
// Control characters: C0, DEL and C1. The layout ones (\t, \n, \r) only move within the output.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// A sequence that never ends is given up on past this length (its text is kept, its ESC dropped).
const MAX_HELD = 4096;

// What is left of an unterminated sequence: a string command's text goes with it (a terminal
// would swallow it), a cut CSI loses its introducer.
const LEFTOVER = /\x1b[\]PX^_][^\x07\x1b]*\x07?|\x1b\[?|\u009b/g;

/** Removes control characters; `keepLayout` keeps tab, newline and carriage return. */
export function stripControl(text: string, keepLayout = false): string {
  return text.replace(keepLayout ? CONTROL_BUT_LAYOUT : CONTROL, '');
}

/** Removes every escape sequence (or keeps colours, `keepSgr`); other control characters stay. */
export function stripSequences(text: string, keepSgr = false): string {
  return clean(text, keepSgr, false);
}

function clean(text: string, keepSgr: boolean, dropControls: boolean): string {
  const plain = (part: string) => {
    const rest = part.replace(LEFTOVER, '');
    return dropControls ? stripControl(rest, true) : rest;
  };
  if (!text.includes('\x1b') && !text.includes('\u009b')) return plain(text);
  let out = '';
  let from = 0;
  for (const m of text.matchAll(SEQUENCE)) {
    out += plain(text.slice(from, m.index));
    if (keepSgr && SGR.test(m[0])) out += m[0];
    from = m.index + m[0].length;
  }
  return out + plain(text.slice(from));
}

/**
 * Output made safe for a terminal as it streams: colours kept (unless `keepColor`
 * is false), every other sequence and control character dropped, a sequence split
 * across chunks held back until it is complete.
 */
export class TerminalFilter {
  private held = '';

  constructor(private readonly keepColor = true) {}

  push(text: string): string {
    let data = this.held + text;
    this.held = '';
    const cut = UNFINISHED.exec(data);
    if (cut && data.length - cut.index <= MAX_HELD) {
      this.held = data.slice(cut.index);
      data = data.slice(0, cut.index);
    }
    return clean(data, this.keepColor, true);
  }

  /** Whatever is held back at the end of the output, made safe. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return clean(rest, this.keepColor, true);
  }
}

// Invisible characters that reorder or hide what is shown (U+202E turns "exe.txt" into "txt.exe"):
// bidi marks, embeddings, overrides and isolates, zero-width characters, the byte-order mark;
// and the Unicode line and paragraph separators (some terminals break lines on them).
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/g;
const LINE_BREAKS = /[\r\n\t\u2028\u2029]+/g;

/** Removes the invisible characters that reorder or hide text (see INVISIBLE). */
function dropInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/**
 * One line safe to print, for every string that comes from a file (task files,
 * config.json) or the environment: no escape sequence, no control or invisible
 * character; line breaks and tabs become single spaces.
 */
export function printable(text: string): string {
  return dropInvisible(stripControl(stripSequences(String(text)).replace(LINE_BREAKS, ' ')));
}

/** Keeps the last line a terminal would show for a line with `\r`: later text overwrites earlier text. */
export function applyCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r');
  let shown = '';
  for (const part of parts) {
    if (part === '') continue;
    shown = part + shown.slice(part.length);
  }
  return shown;
}

/** One line of a task's output made safe to draw: no escape sequences, no control characters, `\r` applied. */
export function cleanLogLine(raw: string, maxLength = 2000): string {
  const line = dropInvisible(stripControl(applyCarriageReturns(stripSequences(raw)).replace(/\t/g, '    ')));
  return line.length > maxLength ? line.slice(0, maxLength) : line;
}

const SGR_ANYWHERE = /\x1b\[[0-9;:]*m/g;

/**
 * The same, its colours kept (SGR sequences, as `logs` keeps them on a terminal), every
 * other sequence and control character dropped; `maxLength` counts what shows. A line
 * redrawn with `\r` loses its colours (what shows of it is worked out on the plain text).
 */
export function cleanColoredLogLine(raw: string, maxLength = 2000): string {
  const kept = stripSequences(raw, true);
  if (!kept.includes('\x1b') || kept.includes('\r')) return cleanLogLine(raw, maxLength);
  let out = '';
  let shown = 0;
  let from = 0;
  const plain = (part: string) => {
    const text = dropInvisible(stripControl(part.replace(/\t/g, '    ')));
    const room = Math.max(0, maxLength - shown);
    const cut = text.length > room ? text.slice(0, room) : text;
    shown += cut.length;
    out += cut;
  };
  for (const m of kept.matchAll(SGR_ANYWHERE)) {
    plain(kept.slice(from, m.index));
    out += m[0];
    from = m.index + m[0].length;
  }
  plain(kept.slice(from));
  return out;
}

/** The text of a line without its colours (search, and a terminal without colour). */
export function withoutColors(line: string): string {
  return line.includes('\x1b') ? line.replace(SGR_ANYWHERE, '') : line;
}
