// The one owner of "what may reach a terminal": strings from files (task files,
// config.json, logs) and from the environment are cleaned here before printing.

// CSI (colours, cursor moves), OSC (titles, links; ended by BEL or ST), then any other escape
// (ESC, intermediate bytes, one final byte: ESC c resets the terminal, ESC ( B picks a charset).
const CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g;
const OSC = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
const ESC_OTHER = /\x1b[ -/]*[0-~]?/g;
const C1_CSI = /\u009b[0-?]*[ -/]*[@-~]/g;
// C0 and C1 controls, and the Unicode line and paragraph separators (some terminals break lines on them).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// Invisible characters that reorder or hide what is shown (U+202E turns "exe.txt" into "txt.exe"):
// bidi marks, embeddings, overrides and isolates, zero-width characters, the byte-order mark.
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const LINE_BREAKS = /[\r\n\t\u2028\u2029]+/g;

/** Removes escape sequences: what is left are the characters they would have drawn around. */
export function stripEscapes(text: string): string {
  return text.replace(OSC, '').replace(CSI, '').replace(C1_CSI, '').replace(ESC_OTHER, '');
}

/** Removes control characters (tabs and line breaks too) and invisible ones. */
export function stripControls(text: string): string {
  return text.replace(CONTROL, '').replace(INVISIBLE, '');
}

/**
 * One line safe to print: no escape sequence, no control or invisible character,
 * line breaks and tabs become single spaces.
 */
export function printable(text: string): string {
  return stripControls(stripEscapes(String(text)).replace(LINE_BREAKS, ' '));
}
