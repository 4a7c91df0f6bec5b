import { stripControl } from '../src/core/terminal-text.js';
import type { KeyEvent } from './key-events.js';
import { Action, actionIn, type Binding } from './keymap.js';

/** A text field's content and cursor (an index into `value`). */
export interface TextState {
  value: string;
  cursor: number;
  /** The whole value is selected (a prefill): typing replaces it, Backspace clears it, a move keeps it. */
  selected?: boolean;
}

export interface TextOptions {
  /** A pasted newline stays a newline (a command run by `sh -c`), instead of becoming a space. */
  multiline?: boolean;
}

type TextOutcome = { kind: 'edited'; state: TextState; note?: string } | { kind: 'submit' } | { kind: 'back' } | { kind: 'ignored' };

// Newlines and tabs become spaces (a one-line field); other control characters go.
const NEWLINES = /[\r\n\t]+/g;

const PASTED_NEWLINE = 'a pasted newline became a space';
const KEPT_NEWLINE = 'pasted lines kept: they run one after another (sh -c)';

function insert(state: TextState, text: string): TextState {
  if (state.selected) return { value: text, cursor: text.length };
  const { value, cursor } = state;
  return { value: value.slice(0, cursor) + text + value.slice(cursor), cursor: cursor + text.length };
}

/** The previous / next character boundary (a surrogate pair is one character). */
function prevIndex(value: string, i: number): number {
  if (i <= 0) return 0;
  const code = value.charCodeAt(i - 1);
  return code >= 0xdc00 && code <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}
function nextIndex(value: string, i: number): number {
  if (i >= value.length) return value.length;
  const code = value.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff && i + 1 < value.length ? i + 2 : i + 1;
}

/**
 * One key applied to a text field, its keys taken from `bindings` (the mode's
 * keymap). An Enter that is part of a paste is a space, and says so: a pasted
 * newline never submits a field or lands in the next one.
 */
export function editText(state: TextState, event: KeyEvent, bindings: Binding[], opts: TextOptions = {}): TextOutcome {
  const { input, key } = event;
  const action = actionIn(bindings, input, key);
  if (action === Action.Submit && event.pasted)
    return opts.multiline
      ? { kind: 'edited', state: insert(state, '\n'), note: KEPT_NEWLINE }
      : { kind: 'edited', state: insert(state, ' '), note: PASTED_NEWLINE };
  // A move ends the selection where the cursor goes (Left at the start, Right at the end).
  const at = { value: state.value, cursor: state.cursor };
  switch (action) {
    case Action.Submit:
      return { kind: 'submit' };
    case Action.Back:
      return { kind: 'back' };
    case Action.CursorLeft:
      return { kind: 'edited', state: state.selected ? { ...at, cursor: 0 } : { ...at, cursor: prevIndex(state.value, state.cursor) } };
    case Action.CursorRight:
      return { kind: 'edited', state: state.selected ? at : { ...at, cursor: nextIndex(state.value, state.cursor) } };
    case Action.CursorStart:
      return { kind: 'edited', state: { ...at, cursor: 0 } };
    case Action.CursorEnd:
      return { kind: 'edited', state: { ...at, cursor: state.value.length } };
    case Action.DeleteBack: {
      if (state.selected) return { kind: 'edited', state: { value: '', cursor: 0 } };
      const from = prevIndex(state.value, state.cursor);
      return { kind: 'edited', state: { value: state.value.slice(0, from) + state.value.slice(state.cursor), cursor: from } };
    }
    default:
      break;
  }
  if (key.ctrl || key.meta || input === '') return { kind: 'ignored' };
  // Unsplit input (a component alone, in tests) may still hold newlines.
  const hasNewline = /[\r\n]/.test(input);
  const text = opts.multiline
    ? stripControl(input.replace(/\r\n?/g, '\n').replace(/\t/g, ' '), true).replace(/[\r\t]/g, '')
    : stripControl(input.replace(NEWLINES, ' '));
  if (text === '') return { kind: 'ignored' };
  const note = hasNewline ? (opts.multiline ? KEPT_NEWLINE : PASTED_NEWLINE) : undefined;
  return { kind: 'edited', state: insert(state, text), ...(note ? { note } : {}) };
}
