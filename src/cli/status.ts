import type { Command } from 'commander';
import { TaskError } from '../core/errors.js';
import { activeSummary, statusColor, taskTable } from '../core/task-view.js';
import { compareTasks, isBroken, taskToJson, type Task } from '../core/task.js';
import type { DoneRecord } from '../store/done-index.js';
import type { TaskEntry } from '../core/task.js';
import { isTerminal, paint, printJson, terminalWidth, warn, writeOut } from './output.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('list running and queued tasks (--all: finished ones too)')
    .argument('[project]', 'only this project')
    .option('-a, --all', 'include finished tasks')
    .option('--json', 'print an array of task objects')
    .addHelpText(
      'after',
      '\nExamples:\n  dev-tools status\n  dev-tools status web --all\n  dev-tools status --json | jq -r \'.[] | select(.status=="running") | .id\'',
    )
    .action(async (project: string | undefined, opts: { all?: boolean; json?: boolean }) => {
      const [{ openContext }, { schedule, reapIfDead }] = await Promise.all([import('./context.js'), import('../runner/scheduler.js')]);
      const { store, config } = await openContext({ lastValidConfig: true });
      // Reap dead workers and fill free slots, but never block on a busy scheduler. A cluster is
      // asked (once, for all its jobs) only when its tasks are listed: local ones never wait on it.
      const shown = (remote: Task[]) => (remote.some((t) => !project || t.project === project) ? 'now' : 'cached');
      const sched = await schedule(store, config, { lockWaitMs: 150, jobs: shown }).catch(() => null);
      // Finished tasks go into a pipe as the index holds them, unparsed (10,000 of them cost what 10 do, twice over).
      const copyDone = Boolean(opts.all && opts.json && !isTerminal(1));
      const entries = copyDone ? store.list(false) : store.list(Boolean(opts.all));
      if (!sched?.locked) {
        entries.forEach((e, i) => {
          if (isBroken(e) || e.status !== 'running') return;
          // A full or read-only disk must not turn `status` into a failure: say it and list.
          try {
            // Jobs by the one query the scheduler step made before it found the lock busy.
            entries[i] = reapIfDead(store, e, config, { states: sched?.states }) ?? e;
          } catch (err) {
            warn(`cannot record ${e.id} as interrupted: ${(err as Error).message}`);
          }
        });
      }
      const states = sched?.states;
      const tasks: Task[] = [];
      for (const e of entries) {
        if (isBroken(e)) {
          warn(`task file ${e.id}.json is unreadable (${e.error}); skipped`);
          continue;
        }
        if (project && e.project !== project) continue;
        // What its executor says of it now (a job's state, why it waits, its time limit): shown, never written.
        tasks.push(states?.shown?.(e) ?? e);
      }
      // Why each queued task waits (a dependency, a pause, its project's limit): shown, never written.
      const { withQueueReasons } = await import('../store/queue-view.js');
      const { readPause } = await import('../store/pause.js');
      const pause = readPause(store.paths);
      const reasoned = withQueueReasons(store, config, tasks, pause);
      tasks.splice(0, tasks.length, ...reasoned);
      const problem = states?.warning?.(tasks, Date.now());
      if (problem) warn(problem);
      // A project that matched nothing: an unknown name is named, as `cancel --project` does (a typo is not an idle project).
      if (project && tasks.length === 0) {
        const { projectKnown, unknownProject } = await import('./context.js');
        if (!projectKnown({ store, config }, project)) throw new TaskError(unknownProject(project));
      }
      if (copyDone) return printTasksAndRecords(tasks, store.listDoneRecords(), project);
      if (opts.json) return printJson(tasks.map((t) => taskToJson(t)));
      if (tasks.length === 0) {
        const where = project ? ` in project ${JSON.stringify(project)}` : '';
        writeOut(opts.all ? `No tasks${where}\n` : `No running tasks${where}\n`);
        const { describePause } = await import('../core/queue.js');
        const paused = describePause(pause);
        if (paused) writeOut(`${paused}\n`);
        return;
      }
      const now = Date.now();
      const width = terminalWidth();
      const lines = taskTable(tasks, now, width, (key, text, i) => {
        if (key === 'status') return paint(statusColor(tasks[i]!), text);
        if (key === 'id') return paint('bold', text);
        return text;
      });
      lines[0] = paint('dim', lines[0]!);
      const { describePause } = await import('../core/queue.js');
      const paused = describePause(pause);
      writeOut(
        `${lines.join('\n')}\n${paint('dim', activeSummary(tasks, config.maxParallelTasks))}${paused ? ` · ${paint('yellow', paused)}` : ''}\n`,
      );
    });
}

/** Active tasks and finished ones (as records) in one JSON array, in creation order, as printJson would write it compact. */
function printTasksAndRecords(active: Task[], done: { records: DoneRecord[]; broken: TaskEntry[] }, project: string | undefined): void {
  for (const e of done.broken) warn(`task file ${e.id}.json is unreadable (${isBroken(e) ? e.error : ''}); skipped`);
  const seen = new Set(active.map((t) => t.id));
  const all: Pick<DoneRecord, 'id' | 'createdAt' | 'json'>[] = active.map((t) => ({
    id: t.id,
    createdAt: t.createdAt,
    json: JSON.stringify(taskToJson(t)),
  }));
  for (const r of done.records) if (!seen.has(r.id) && (!project || r.project === project)) all.push(r);
  all.sort(compareTasks);
  writeOut(`[${all.map((r) => r.json).join(',')}]\n`);
}
