import { useRef, useState } from 'react';

/** A selection in a list that may change under it: the item's key, and where it was. */
export interface Selection {
  key: string | null;
  index: number;
}

/** Where a selection is in the list as it is now: by key, or where it was when its item left. */
export function selectionIndex(keys: readonly string[], selection: Selection): number {
  const found = selection.key === null ? -1 : keys.indexOf(selection.key);
  return found >= 0 ? found : Math.min(selection.index, Math.max(0, keys.length - 1));
}

export interface Choice {
  /** The selected row of the list as rendered. */
  index: number;
  /** The selected item's key now (each key of a run sees the move of the one before). */
  key(): string | null;
  move(by: number): void;
  select(index: number): void;
}

/**
 * The selection of a picker, kept by key: a list that changes (a config reloaded under
 * the launch form, a task that ends) leaves the same item selected. It lives in a ref,
 * so keys arriving in one chunk each act on the latest move.
 */
export function useChoice(keys: readonly string[]): Choice {
  const live = useRef<Selection & { keys: readonly string[] }>({ key: keys[0] ?? null, index: 0, keys }).current;
  live.keys = keys;
  if (live.key === null && keys.length > 0) live.key = keys[Math.min(live.index, keys.length - 1)]!;
  const [, redraw] = useState(0);
  const at = () => selectionIndex(live.keys, live);
  const select = (index: number) => {
    live.index = Math.max(0, Math.min(live.keys.length - 1, index));
    live.key = live.keys[live.index] ?? null;
    redraw((n) => n + 1);
  };
  return { index: at(), key: () => live.keys[at()] ?? null, move: (by) => select(at() + by), select };
}
