import { useEffect, useMemo, useState } from 'react';
import type { TaskEntry } from '../src/core/task.js';
import { shownAll, sharedStates } from '../src/runner/executors/registry.js';
import type { TaskStore } from '../src/store/tasks.js';
import { useStateWatch } from './useStateWatch.js';

interface JobStatesView {
  /** The entries, a job's with what its cluster says of it (state, reason, time limit). */
  entries: TaskEntry[];
  /** One line when a cluster's controller did not answer: what is shown is its last answer. */
  warning: string | null;
}

/**
 * What the executors with a queue of their own say of the jobs shown: the answer every
 * process of the state dir shares (squeue.json, renewed by the scheduler steps of the
 * dashboards, `wait`s and `status`), read again whenever it changes. Tasks without a
 * job come back as they were.
 */
export function useJobStates(entries: TaskEntry[], store: TaskStore): JobStatesView {
  const watch = useStateWatch(store.paths);
  const shared = useMemo(() => sharedStates(store), [store]);
  // The answer is a function (read per task): React must be handed it through an updater, never as one.
  const [states, setStates] = useState(() => shared.read());
  useEffect(() => {
    const reread = () => setStates(() => shared.read());
    reread();
    const offs = shared.files.map((file) => watch.file(file, reread));
    return () => offs.forEach((off) => off());
  }, [shared, watch]);
  const shown = useMemo(() => shownAll(states, entries), [entries, states]);
  return { entries: shown, warning: states.warning?.(shown, Date.now()) ?? null };
}
