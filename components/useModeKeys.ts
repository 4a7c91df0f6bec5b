import { useInput, type Key } from 'ink';
import { createContext, useContext, useRef } from 'react';
import { actionFor, type Action, type Mode } from './keymap.js';

export type KeyHandler = (input: string, key: Key) => void;
export type ActionHandlers = Partial<Record<Action, () => void>>;

/**
 * One listener for the whole dashboard sends each key to the current mode's
 * handler. Per-mode `useInput({isActive})` would lag: Ink subscribes in an effect
 * that runs only after the frame is drawn, so a fast second key (c, then y) would
 * reach the mode that was just left.
 */
export interface KeyRouter {
  mode: { current: Mode };
  handlers: Map<Mode, KeyHandler>;
}

export const KeyRouterContext = createContext<KeyRouter | null>(null);

/** The router and its single listener; `switchTo` changes the mode at once, before any re-render. */
export function useKeyRouter(initial: Mode): { router: KeyRouter; switchTo: (mode: Mode) => void } {
  const router = useRef<KeyRouter>({ mode: { current: initial }, handlers: new Map() }).current;
  useInput((input, key) => router.handlers.get(router.mode.current)?.(input, key));
  return {
    router,
    switchTo: (mode) => {
      // A key that comes before the new mode's view has rendered is dropped, never
      // given to a handler left from an earlier visit (with an earlier question).
      router.handlers.delete(mode);
      router.mode.current = mode;
    },
  };
}

/**
 * A mode's key handler. Under a router it is registered while rendering (so it is
 * in place when its view shows); alone (component tests) it is a plain `useInput`.
 */
export function useModeInput(mode: Mode, handler: KeyHandler, isActive = true, own?: KeyRouter): void {
  // `own`: the component that holds the router (it is outside its own provider).
  const router = useContext(KeyRouterContext) ?? own ?? null;
  if (router && isActive) router.handlers.set(mode, handler);
  useInput(handler, { isActive: isActive && router === null });
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
