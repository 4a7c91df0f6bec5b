import { useEffect, useRef, useState } from 'react';
import { isBroken, type TaskEntry } from '../src/core/task.js';

interface FailureAlerts {
  /** Tasks that failed (or were interrupted) while the dashboard was open and have not been looked at. */
  unseen: string[];
  bell: boolean;
  toggleBell(): void;
  /** The user looked at it (selected it): it leaves the header. */
  seen(id: string | null): void;
}

function failed(e: TaskEntry): boolean {
  return !isBroken(e) && (e.status === 'failed' || e.status === 'interrupted');
}

/**
 * Rings the terminal bell when a task fails while the dashboard is open, and keeps
 * it in the header until it is seen. Failures from before the dashboard opened are old news.
 */
export function useFailureAlerts(entries: TaskEntry[], ring: () => void, initialBell = true): FailureAlerts {
  const known = useRef<Set<string> | null>(null);
  const [unseen, setUnseen] = useState<string[]>([]);
  const [bell, setBell] = useState(initialBell);
  const bellRef = useRef(bell);
  bellRef.current = bell;

  useEffect(() => {
    const now = entries.filter(failed).map((e) => e.id);
    if (known.current === null) {
      known.current = new Set(now);
      return;
    }
    const fresh = now.filter((id) => !known.current!.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) known.current.add(id);
    setUnseen((u) => [...u, ...fresh]);
    if (bellRef.current) ring();
  }, [entries, ring]);

  return {
    unseen,
    bell,
    toggleBell: () => setBell((b) => !b),
    seen: (id) => {
      if (id !== null) setUnseen((u) => (u.includes(id) ? u.filter((x) => x !== id) : u));
    },
  };
}
