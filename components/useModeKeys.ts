import { useApp, useInput, type Key } from 'ink';
import { createContext, useContext, useEffect, useRef } from 'react';
import { splitKeys, PASTE_END, PASTE_START, type KeyEvent } from './key-events.js';
import { Action, actionFor, actionIn, GLOBAL_KEYS, TEXT_MODES, type Mode } from './keymap.js';

type KeyHandler = (input: string, key: Key, event: KeyEvent) => void;
export type ActionHandlers = Partial<Record<Action, () => void>>;

// Keys typed ahead of a view are kept this far, no further (a stuck view must not hoard input).
const MAX_QUEUED = 1024;

/**
 * One listener for the whole dashboard sends each key to the current mode's
 * handler. Per-mode `useInput({isActive})` would lag: Ink subscribes in an effect
 * that runs only after the frame is drawn, so a fast second key (c, then y) would
 * reach the mode that was just left. Keys that arrive before the new mode's view
 * has rendered wait for it (type-ahead), and are never given to a handler left
 * from an earlier visit (with an earlier question).
 */
class KeyRouter {
  readonly mode: { current: Mode };
  readonly handlers = new Map<Mode, KeyHandler>();
  private queue: KeyEvent[] = [];
  private pasting = false;

  constructor(
    initial: Mode,
    private readonly interrupt: () => void,
    /** Ctrl+L: the screen drawn again whole (set by whoever owns the terminal). */
    public redraw: () => void = () => undefined,
  ) {
    this.mode = { current: initial };
  }

  /** What Ink hands over: one key, or a run of them (key repeat, paste, fast typing). */
  receive(input: string, key: Key): void {
    if (input === PASTE_START || input === PASTE_END) {
      this.pasting = input === PASTE_START;
      return;
    }
    // A paste is text: outside a text field it must not fire one action per character.
    if (this.pasting && !TEXT_MODES.includes(this.mode.current)) return;
    for (const event of splitKeys(input, key, this.pasting)) {
      if (this.queue.length < MAX_QUEUED) this.queue.push(event);
    }
    this.flush();
  }

  /** Hands waiting keys to the current mode's handler while it has one. */
  flush(): void {
    while (this.queue.length > 0) {
      const handler = this.handlers.get(this.mode.current);
      if (!handler) return;
      const event = this.queue.shift()!;
      // Ink quits on a lone Ctrl+C; one inside a run of keys is split out here.
      const global = actionIn(GLOBAL_KEYS, event.input, event.key);
      if (global === Action.Quit) {
        this.queue = [];
        return this.interrupt();
      }
      if (global === Action.Redraw) {
        this.redraw();
        continue;
      }
      handler(event.input, event.key, event);
    }
  }

  /** Changes the mode at once, before any re-render; later keys wait for its view. */
  switchTo(mode: Mode): void {
    this.handlers.delete(mode);
    this.mode.current = mode;
  }

  /** The current view is about to change within its mode: later keys wait for it. */
  hold(): void {
    this.handlers.delete(this.mode.current);
  }
}

export const KeyRouterContext = createContext<KeyRouter | null>(null);

/** The router and its single listener. */
export function useKeyRouter(initial: Mode): { router: KeyRouter; switchTo: (mode: Mode) => void } {
  const { exit } = useApp();
  const ref = useRef<KeyRouter | null>(null);
  ref.current ??= new KeyRouter(initial, () => exit());
  const router = ref.current;
  useInput((input, key) => router.receive(input, key));
  // After each frame: a mode switched to has its handler now.
  useEffect(() => router.flush());
  return { router, switchTo: (mode) => router.switchTo(mode) };
}

/**
 * A mode's key handler. Under a router it is registered while rendering (so it is
 * in place when its view shows); alone (component tests) it listens itself, with
 * runs of keys split the same way.
 */
export function useModeInput(mode: Mode, handler: KeyHandler, isActive = true, own?: KeyRouter): void {
  // `own`: the component that holds the router (it is outside its own provider).
  const router = useContext(KeyRouterContext) ?? own ?? null;
  if (router && isActive) router.handlers.set(mode, handler);
  useEffect(() => {
    if (router && isActive) router.flush();
  });
  useInput(
    (input, key) => {
      for (const event of splitKeys(input, key)) handler(event.input, event.key, event);
    },
    { isActive: isActive && router === null },
  );
}

/** Routes a mode's keys to handlers by action. */
export function useModeKeys(mode: Mode, isActive: boolean, handlers: ActionHandlers, own?: KeyRouter): void {
  useModeInput(
    mode,
    (input, key) => {
      const action = actionFor(mode, input, key);
      if (action) handlers[action]?.();
    },
    isActive,
    own,
  );
}
