import { useEffect, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';

/**
 * The scheduler step, run now and then while the dashboard is open, so queued tasks
 * start even if every worker died. Returns why the last run failed, or null.
 */
export function useScheduler(schedule: (() => Promise<unknown>) | undefined, everyMs = 2000): string | null {
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
    const timer = setInterval(step, everyMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [schedule, everyMs]);
  return problem;
}
