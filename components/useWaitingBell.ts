import { useEffect, useRef } from 'react';
import { isBroken, type TaskEntry } from '../src/core/task.js';

/**
 * Rings the terminal bell when a task starts waiting for a person while the dashboard is
 * open (as for a failure): each wait once, by its task and when it began. Waits that began
 * before the dashboard opened are not news.
 */
export function useWaitingBell(entries: TaskEntry[], ring: () => void, bell: boolean): void {
  const openedAt = useRef(Date.now()).current;
  const known = useRef(new Set<string>());
  const bellRef = useRef(bell);
  bellRef.current = bell;
  useEffect(() => {
    let fresh = false;
    for (const e of entries) {
      if (isBroken(e) || e.status !== 'waiting') continue;
      const since = e.gate?.since ?? '';
      const key = `${e.id}@${since}`;
      if (known.current.has(key)) continue;
      known.current.add(key);
      const at = Date.parse(since);
      if (!Number.isFinite(at) || at >= openedAt) fresh = true;
    }
    if (fresh && bellRef.current) ring();
  }, [entries, ring, openedAt]);
}
