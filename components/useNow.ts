import { useEffect, useState } from 'react';

/**
 * The clock of the screen's times (elapsed, ETA, STARTED, ENDED): it moves when
 * `nextTick(now)` says something shown reads differently, never otherwise, so an idle
 * screen costs nothing.
 */
export function useNow(nextTick: (now: number) => number | null): number {
  const [now, setNow] = useState(() => Date.now());
  const next = nextTick(now);
  useEffect(() => {
    if (next === null) return undefined;
    // Again after each tick: a timer may fire a moment early, before the change it waited for.
    const timer = setTimeout(() => setNow(Date.now()), Math.max(20, next - Date.now()));
    return () => clearTimeout(timer);
  }, [next, now]);
  return now;
}
