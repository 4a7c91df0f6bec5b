import { useEffect, useMemo, useState } from 'react';
import { slurmWarning, statesFromCache } from '../src/core/slurm-cache.js';
import { withJobState } from '../src/core/slurm.js';
import { isBroken, isFinal, type TaskEntry } from '../src/core/task.js';
import { jobCachePath, readJobCache } from '../src/runner/slurm-jobs.js';
import type { StatePaths } from '../src/store/paths.js';
import { useStateWatch } from './useStateWatch.js';

interface JobStatesView {
  /** The entries, a Slurm task's with what Slurm says of its job (state, reason, time limit). */
  entries: TaskEntry[];
  /** One line when Slurm's controller did not answer: what is shown is its last answer. */
  warning: string | null;
}

/**
 * What Slurm says of the jobs shown: the answer every process of the state dir shares
 * (squeue.json, renewed by the scheduler steps of the dashboards, `wait`s and `status`),
 * read again whenever it changes. Tasks without a job come back as they were.
 */
export function useJobStates(entries: TaskEntry[], paths: StatePaths): JobStatesView {
  const watch = useStateWatch(paths);
  const [cache, setCache] = useState(() => readJobCache(paths));
  useEffect(() => {
    setCache(readJobCache(paths));
    return watch.file(jobCachePath(paths), () => setCache(readJobCache(paths)));
  }, [paths, watch]);
  const jobs = useMemo(() => (cache ? statesFromCache(cache, cache.asked) : null), [cache]);
  const shown = useMemo(() => (jobs ? entries.map((e) => withJobState(e, jobs)) : entries), [entries, jobs]);
  const onCluster = shown.some((e) => !isBroken(e) && !!e.slurm?.jobId && !isFinal(e.status));
  return { entries: shown, warning: onCluster ? slurmWarning(jobs, Date.now()) : null };
}
