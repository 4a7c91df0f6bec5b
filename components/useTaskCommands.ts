import { useEffect, useRef } from 'react';
import { errorMessage } from '../src/core/errors.js';
import { gateName } from '../src/core/gate.js';
import { isFinal, type Task } from '../src/core/task.js';
import { printable } from '../src/core/terminal-text.js';
import type { Config } from '../src/store/config.js';
import { describeLaunch, type DashboardActions, type LaunchSpec, type RestartEdit } from './actions.js';
import { Action } from './keymap.js';
import type { Message } from './MessageLine.js';

interface TaskCommands {
  cancel(task: Task): void;
  /** `cancelFirst`: the task still runs; cancel it, then restart it. `edit`: what R changed. */
  restart(task: Task, cancelFirst: boolean, edit?: RestartEdit): void;
  launch(spec: LaunchSpec): void;
  reject(task: Task, reason: string | null): void;
  /** Runs what a question asked, once answered yes. */
  confirmed(asked: Question): void;
}

/** A command that asks first (y/N): which one, on which task; or on every marked task (`tasks`). */
export type Question =
  | { action: typeof Action.Cancel; task: Task }
  | { action: typeof Action.Approve; task: Task }
  | { action: typeof Action.Restart; task: Task; edit?: RestartEdit }
  | { action: typeof Action.Cancel | typeof Action.Restart; tasks: Task[] };

/** What the confirm dialog asks. */
export function questionText(q: Question): string {
  if ('tasks' in q) {
    const ids = q.tasks.map((t) => t.id);
    const shown = ids.length > 6 ? `${ids.slice(0, 6).join(', ')} and ${ids.length - 6} more` : ids.join(', ');
    return q.action === Action.Cancel
      ? `Cancel ${ids.length} marked tasks (${shown})?`
      : `Restart ${ids.length} marked tasks as new tasks (${shown})? Any still active is cancelled first.`;
  }
  if (q.action === Action.Approve) {
    const gate = q.task.gate ? `: run ${gateName(q.task.gate)} on` : '';
    return `Approve ${q.task.id} (${printable(q.task.project)}: ${printable(q.task.description)})${gate}?`;
  }
  return q.action === Action.Cancel
    ? `Cancel ${q.task.id} (${printable(q.task.project)}: ${printable(q.task.description)})?`
    : `${q.task.id} is still ${q.task.status}: cancel it and start it again?`;
}

/**
 * Runs the actions with the config of the moment and reports on the message line;
 * `onLaunched` gets the new task's id.
 */
export function useTaskCommands(
  actions: DashboardActions,
  config: () => Config,
  setMessage: (m: Message) => void,
  onLaunched: (id: string) => void,
): TaskCommands {
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const say = (text: string, kind: Message['kind'] = 'info') => {
    if (mounted.current) setMessage({ text, kind });
  };
  const fail = (err: unknown) => say(errorMessage(err), 'error');

  const cancel = (task: Task) => {
    say(`cancelling ${task.id}…`);
    actions.cancel(task.id, config()).then((r) => say(r.message), fail);
  };
  const restart = (task: Task, cancelFirst: boolean, edit?: RestartEdit) => {
    say(cancelFirst ? `cancelling ${task.id} to restart it…` : `restarting ${task.id}…`);
    const run = async () => {
      if (cancelFirst) await actions.cancel(task.id, config());
      const r = await actions.restart(task.id, config(), edit);
      onLaunched(r.task.id);
      say(describeLaunch(`restarted ${task.id} as`, r));
    };
    run().catch(fail);
  };
  /** The marked tasks, one after another (a cancel of several queued ones must not free slots for the next). */
  const each = (asked: { action: typeof Action.Cancel | typeof Action.Restart; tasks: Task[] }) => {
    const verb = asked.action === Action.Cancel ? 'cancelled' : 'restarted';
    say(`${asked.action === Action.Cancel ? 'cancelling' : 'restarting'} ${asked.tasks.length} tasks…`);
    const run = async () => {
      const failed: string[] = [];
      for (const task of asked.tasks) {
        try {
          if (asked.action === Action.Cancel) await actions.cancel(task.id, config());
          else {
            if (!isFinal(task.status)) await actions.cancel(task.id, config());
            await actions.restart(task.id, config());
          }
        } catch (err) {
          failed.push(`${task.id}: ${errorMessage(err)}`);
        }
      }
      const done = asked.tasks.length - failed.length;
      say(
        failed.length ? `${verb} ${done} of ${asked.tasks.length}; ${failed[0]}` : `${verb} ${done} tasks`,
        failed.length ? 'error' : 'info',
      );
    };
    void run();
  };
  const approve = (task: Task) => {
    say(`approving ${task.id}…`);
    (actions.approve?.(task.id, config()) ?? Promise.reject(new Error('approve is not available'))).then(
      (r) => say(printable(r.message)),
      fail,
    );
  };
  return {
    cancel,
    restart,
    reject(task, reason) {
      say(`rejecting ${task.id}…`);
      (actions.reject?.(task.id, config(), reason) ?? Promise.reject(new Error('reject is not available'))).then(
        (r) => say(printable(r.message)),
        fail,
      );
    },
    confirmed: (asked) =>
      'tasks' in asked
        ? each(asked)
        : asked.action === Action.Cancel
          ? cancel(asked.task)
          : asked.action === Action.Approve
            ? approve(asked.task)
            : restart(asked.task, true, asked.edit),
    launch(spec) {
      say(`launching ${spec.project}…`);
      actions.launch(spec, config()).then((r) => {
        onLaunched(r.task.id);
        say(describeLaunch(r.started ? 'started' : 'launched', r));
      }, fail);
    },
  };
}
