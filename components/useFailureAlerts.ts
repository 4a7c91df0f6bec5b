import { useEffect, useRef, useState } from 'react';
import { isBroken, isFinal, type TaskEntry } from '../src/core/task.js';

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

/** When a task ended, in ms; null when unknown. */
function endedAt(e: TaskEntry): number | null {
  if (isBroken(e) || !e.completedAt) return null;
  const t = Date.parse(e.completedAt);
  return Number.isNaN(t) ? null : t;
}

/**
 * Rings the terminal bell when a task fails while the dashboard is open, and keeps
 * it in the header until it is seen. Failures from before the dashboard opened are old
 * news, whenever they come into view (`a` shows finished tasks): a failure is new when
 * the task was seen still active, or it ended after the dashboard opened.
 */
export function useFailureAlerts(entries: TaskEntry[], ring: () => void, initialBell = true): FailureAlerts {
  const openedAt = useRef(Date.now()).current;
  /** Failures already counted (or known to be old). */
  const known = useRef(new Set<string>());
  /** Tasks seen queued or running. */
  const seenActive = useRef(new Set<string>());
  const [unseen, setUnseen] = useState<string[]>([]);
  const [bell, setBell] = useState(initialBell);
  const bellRef = useRef(bell);
  bellRef.current = bell;

  useEffect(() => {
    const fresh: string[] = [];
    for (const e of entries) {
      if (isBroken(e)) continue;
      if (!isFinal(e.status)) seenActive.current.add(e.id);
      if (!failed(e) || known.current.has(e.id)) continue;
      known.current.add(e.id);
      const ended = endedAt(e);
      if (seenActive.current.has(e.id) || (ended !== null && ended >= openedAt)) fresh.push(e.id);
    }
    if (fresh.length === 0) return;
    setUnseen((u) => [...u, ...fresh]);
    if (bellRef.current) ring();
  }, [entries, ring, openedAt]);

  return {
    unseen,
    bell,
    toggleBell: () => setBell((b) => !b),
    seen: (id) => {
      if (id !== null) setUnseen((u) => (u.includes(id) ? u.filter((x) => x !== id) : u));
    },
  };
}
