import { useEffect, useRef } from 'react';
import { isBroken, needsInput, type TaskEntry } from '../src/core/task.js';

/**
 * Rings the terminal bell when a task starts waiting for its user's input (its terminal's
 * program asked something), as a failure rings it: once each time it asks, while the
 * dashboard is open and the bell is on. Tasks already waiting when it opened do not ring.
 */
export function useInputAlerts(entries: TaskEntry[], ring: () => void, bell: boolean): void {
  /** Tasks waiting now (null until the first look: what waits then is old news). */
  const waiting = useRef<Set<string> | null>(null);
  const bellRef = useRef(bell);
  bellRef.current = bell;
  useEffect(() => {
    const now = new Set(entries.filter((e) => !isBroken(e) && needsInput(e)).map((e) => e.id));
    const before = waiting.current;
    waiting.current = now;
    if (before && bellRef.current && [...now].some((id) => !before.has(id))) ring();
  }, [entries, ring]);
}
