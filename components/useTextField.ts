import { useRef, useState } from 'react';
import type { KeyEvent } from './key-events.js';
import type { Binding } from './keymap.js';
import { editText, type TextOptions, type TextState } from './text-edit.js';

interface TextField {
  state: TextState;
  /** A note for the user about the last edit (a pasted newline became a space, or was kept). */
  note: string | null;
  /** Applies a key; says when it submits or goes back. The value is current at once. */
  apply(event: KeyEvent, bindings: Binding[]): 'submit' | 'back' | 'edited' | null;
  value(): string;
  reset(value?: string): void;
}

/**
 * A text field's state, kept in a ref so that a run of keys handled before the
 * next render (a paste, fast typing) edits the latest value, not the drawn one.
 */
export function useTextField(initial = '', opts: TextOptions & { selected?: boolean } = {}): TextField {
  const live = useRef<TextState>({ value: initial, cursor: initial.length, selected: Boolean(opts.selected && initial) });
  const [note, setNote] = useState<string | null>(null);
  const [, redraw] = useState(0);
  return {
    state: live.current,
    note,
    apply(event, bindings) {
      const outcome = editText(live.current, event, bindings, opts);
      if (outcome.kind !== 'edited') return outcome.kind === 'ignored' ? null : outcome.kind;
      live.current = outcome.state;
      if (outcome.note) setNote(outcome.note);
      redraw((n) => n + 1);
      return 'edited';
    },
    value: () => live.current.value,
    reset(value = '') {
      live.current = { value, cursor: value.length };
      setNote(null);
      redraw((n) => n + 1);
    },
  };
}
