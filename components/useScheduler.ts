import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';

/**
 * The scheduler step, run now and then while the dashboard is open, so queued tasks
 * start even if every worker died. After the first, a step runs only while `pending`
 * says there may be something to do (a task queued or running, a stop pending), so an
 * idle dashboard does nothing at all. Returns why the last run failed, or null.
 */
export function useScheduler(
  schedule: (() => Promise<unknown>) | undefined,
  everyMs = 2000,
  pending: () => boolean = () => true,
): string | null {
  const pendingRef = useRef(pending);
  pendingRef.current = pending;
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    if (!schedule) return undefined;
    let running = false;
    let stopped = false;
    const step = () => {
      if (running || stopped) return;
      running = true;
      schedule()
        .then(() => setProblem(null))
        .catch((err: unknown) => {
          if (!stopped) setProblem(`scheduler: ${errorMessage(err)}`);
        })
        .finally(() => {
          running = false;
        });
    };
    step();
    const timer = setInterval(() => {
      if (pendingRef.current()) step();
    }, everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [schedule, everyMs]);
  return problem;
}
