// Why each queued task waits, for the views (status, the dashboard): the scheduler's own
// plan (core/queue.ts) over what the views list, without its lock. Shown, never written.
import { planQueue, type DependencyState, type PauseState } from '../core/queue.js';
import { isBroken, isLocal, submittedJob, type Task, type TaskEntry } from '../core/task.js';
import { projectConfig, type Config } from './config.js';
import { readPause } from './pause.js';
import type { TaskStore } from './tasks.js';

/**
 * The tasks with `queueReason` filled in for each queued one that waits for a
 * dependency, a pause or its project's limit; dependencies not in `entries` are read.
 */
export function withQueueReasons<T extends TaskEntry>(
  store: TaskStore,
  config: Config,
  entries: T[],
  pause: PauseState = readPause(store.paths),
): T[] {
  const queued = entries.filter((e): e is T & Task => !isBroken(e) && e.status === 'queued' && !e.claimedAt);
  if (queued.length === 0) return entries;
  const byId = new Map<string, Task>();
  const busy: Record<string, number> = {};
  for (const e of entries) {
    if (isBroken(e)) continue;
    byId.set(e.id, e);
    if (e.status === 'running' && isLocal(e)) busy[e.project] = (busy[e.project] ?? 0) + 1;
  }
  const read = new Map<string, DependencyState | null>();
  const plan = planQueue({
    queued,
    busy,
    maxParallel: config.maxParallelTasks,
    projectLimit: (p) => projectConfig(config, p)?.maxParallel,
    pause,
    remote: (t) => !isLocal(t),
    dependency: (id) => {
      if (!read.has(id)) {
        let entry: TaskEntry | null | undefined = byId.get(id);
        try {
          entry ??= store.readDependency(id);
        } catch {
          entry = null;
        }
        read.set(
          id,
          !entry
            ? null
            : isBroken(entry)
              ? { status: 'queued' }
              : { status: entry.status, jobId: submittedJob(entry), remote: !isLocal(entry) },
        );
      }
      return read.get(id)!;
    },
  });
  if (plan.waiting.size === 0) return entries;
  return entries.map((e) => {
    const reason = isBroken(e) ? undefined : plan.waiting.get(e.id);
    return reason && reason.kind !== 'slots' ? { ...e, queueReason: reason } : e;
  });
}
