import type { Key } from 'ink';

/** One key as the dashboard's modes see it. */
export interface KeyEvent {
  input: string;
  key: Key;
  /**
   * Part of a paste: inside a bracketed paste, or an Enter with more text after it in
   * the same chunk. A text field turns such a newline into a space instead of submitting.
   */
  pasted: boolean;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** Bracketed paste (`ESC[200~` … `ESC[201~`), as Ink hands the markers over (ESC stripped). */
export const PASTE_START = '[200~';
export const PASTE_END = '[201~';

function keyOf(ch: string): { input: string; key: Key } {
  const code = ch.codePointAt(0)!;
  if (ch === '\r' || ch === '\n') return { input: '', key: { ...NO_KEY, return: true } };
  if (ch === '\t') return { input: '', key: { ...NO_KEY, tab: true } };
  if (ch === '\x7f') return { input: '', key: { ...NO_KEY, delete: true } };
  if (ch === '\b') return { input: '', key: { ...NO_KEY, backspace: true } };
  // Ctrl+letter arrives as 1-26 (Ctrl+C as 3).
  if (code >= 1 && code <= 26) return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
  if (code < 0x20) return { input: '', key: { ...NO_KEY } };
  return { input: ch, key: { ...NO_KEY, shift: /^[A-Z]$/.test(ch) } };
}

function isPlain(key: Key): boolean {
  return !(
    key.upArrow ||
    key.downArrow ||
    key.leftArrow ||
    key.rightArrow ||
    key.pageDown ||
    key.pageUp ||
    key.home ||
    key.end ||
    key.return ||
    key.escape ||
    key.ctrl ||
    key.tab ||
    key.backspace ||
    key.delete ||
    key.meta
  );
}

/**
 * Ink 6 splits escape sequences out of what stdin delivers, but hands a run of
 * plain characters over as one `input` (`kkkkkkkkkk` from key repeat or
 * `tmux send-keys`, a paste, `abc\r` typed fast). This turns such a run back into
 * one event per key, so every key counts.
 */
export function splitKeys(input: string, key: Key, inPaste = false): KeyEvent[] {
  const chars = [...input];
  if (chars.length <= 1 || !isPlain(key)) return [{ input, key, pasted: inPaste }];
  const events: KeyEvent[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    // \r\n is one newline.
    if (ch === '\r' && chars[i + 1] === '\n') continue;
    const k = keyOf(ch);
    events.push({ ...k, pasted: inPaste || (k.key.return && i < chars.length - 1) });
  }
  return events;
}
