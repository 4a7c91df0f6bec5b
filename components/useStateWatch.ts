import { createContext, useContext, useEffect, useState } from 'react';
import type { StatePaths } from '../src/store/paths.js';
import { pollReason, StateWatch } from '../src/store/watch.js';

/** The dashboard's one watcher of the state dir (run-dashboard makes it, polling where events cannot be trusted). */
export const StateWatchContext = createContext<StateWatch | null>(null);

// Without a provider (component tests): one watcher per state dir, by events unless DEV_TOOLS_WATCH=poll.
const fallback = new WeakMap<StatePaths, StateWatch>();

export function useStateWatch(paths: StatePaths): StateWatch {
  const given = useContext(StateWatchContext);
  if (given) return given;
  let watch = fallback.get(paths);
  if (!watch) {
    watch = new StateWatch(paths, { poll: pollReason(paths, null) });
    fallback.set(paths, watch);
  }
  return watch;
}

/** What is wrong with watching now (a watch that failed, a folder that cannot be read), or null: shown, never swallowed. */
export function useWatchProblem(watch: StateWatch): string | null {
  const [problem, setProblem] = useState<string | null>(watch.problem);
  useEffect(() => {
    setProblem(watch.problem);
    return watch.onProblem(setProblem);
  }, [watch]);
  return problem;
}
