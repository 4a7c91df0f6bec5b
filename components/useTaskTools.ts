import { useCallback, useEffect, useState } from 'react';
import { describeSortOrder, nextFailed, nextSortOrder, type SortOrder } from '../src/core/task-sort.js';
import type { Task, TaskEntry } from '../src/core/task.js';
import type { TaskStore } from '../src/store/tasks.js';
import { Action, keysFor, type Mode } from './keymap.js';
import { draftOf, type LaunchDraft } from './LaunchForm.js';
import type { Message } from './MessageLine.js';
import { BELL, type TerminalControl } from './terminal-control.js';
import type { ActionHandlers } from './useModeKeys.js';
import { useWaitingBell } from './useWaitingBell.js';
import { useFailureAlerts } from './useFailureAlerts.js';
import { useInputAlerts } from './useInputAlerts.js';
import { useProgramOpener, type Programs } from './useProgramOpener.js';

interface TaskToolsInput {
  store: TaskStore;
  terminal: TerminalControl;
  programs: Programs;
  entries: TaskEntry[];
  /** The rows as shown (filtered, sorted) and the selected one's index. */
  shown: TaskEntry[];
  index: number;
  showAll: boolean;
  sortOrder: SortOrder;
  setSortOrder: (order: SortOrder) => void;
  say: (m: Message) => void;
  /** The selected task, or null after saying why there is none to `verb`. */
  selectedTask: (verb: string) => Task | null;
  moveTo: (to: (current: number) => number) => void;
  setMode: (mode: Mode) => void;
}

/**
 * The table's everyday tools: detail, sort, jump to failures, pager and editor,
 * copy, bell, edit before restart. The keys that start them come from the keymap;
 * the views they open are their own components.
 */
export function useTaskTools(input: TaskToolsInput) {
  const { store, terminal, programs, entries, shown, index, showAll, say, selectedTask, moveTo, setMode } = input;
  const [draft, setDraft] = useState<LaunchDraft | null>(null);
  const ring = useCallback(() => terminal.write(BELL), [terminal]);
  const alerts = useFailureAlerts(entries, ring);
  // A task that waits for a person rings too (the same bell switch).
  useWaitingBell(entries, ring, alerts.bell);
  useInputAlerts(entries, ring, alerts.bell);
  // A failure is seen once it is selected.
  const selectedId = shown[index]?.id ?? null;
  const { seen } = alerts;
  useEffect(() => seen(selectedId));
  const opener = useProgramOpener(store, terminal, programs, say);

  const openLog = (kind: keyof Programs) => {
    const task = selectedTask('open');
    if (task) opener.open(kind, task);
  };
  /** The terminal goes to `dev-tools attach` and comes back on Ctrl+] (or when the task ends). `orElse`: what Enter does on any other task. */
  const attach = (orElse?: () => void) => {
    const task = selectedTask('attach to');
    if (!task) return;
    if (!task.tty || task.status !== 'running') {
      if (orElse) return orElse();
      const why = task.tty ? `it is ${task.status}: its terminal is not open` : 'it was not started with --tty';
      return say({ text: `${task.id} has no terminal to attach to: ${why}`, kind: 'error' });
    }
    const r = terminal.attach(task.id);
    if (r.error) return say({ text: `cannot attach to ${task.id}: ${r.error}`, kind: 'error' });
    say({
      text: r.code === 0 ? `back from ${task.id}'s terminal (it goes on)` : `back from ${task.id}'s terminal: it closed`,
      kind: 'info',
    });
  };
  const copyId = () => {
    const task = selectedTask('copy');
    if (!task) return;
    void terminal.copy(task.id).then((r) => say({ text: r.message, kind: r.ok ? 'info' : 'error' }));
  };
  const jumpToFailed = (direction: 1 | -1) => {
    const to = nextFailed(shown, index, direction);
    if (to >= 0) return moveTo(() => to);
    const hint = showAll ? '' : ` (${keysFor('table', Action.ToggleAll)} shows finished ones too)`;
    say({ text: `no failed or interrupted task in view${hint}`, kind: 'info' });
  };

  const tableKeys: ActionHandlers = {
    [Action.Detail]: () => {
      if (selectedTask('show')) setMode('detail');
    },
    [Action.Sort]: () => {
      const next = nextSortOrder(input.sortOrder);
      input.setSortOrder(next);
      say({ text: `sorted ${describeSortOrder(next)}`, kind: 'info' });
    },
    [Action.NextFailed]: () => jumpToFailed(1),
    [Action.PrevFailed]: () => jumpToFailed(-1),
    [Action.OpenPager]: () => openLog('pager'),
    [Action.OpenEditor]: () => openLog('editor'),
    [Action.CopyId]: copyId,
    [Action.Open]: () => attach(() => setMode('log')),
    [Action.Attach]: () => attach(),
    [Action.ToggleBell]: () => {
      alerts.toggleBell();
      say({ text: `bell on failure and input ${alerts.bell ? 'off' : 'on'}`, kind: 'info' });
    },
    [Action.EditRestart]: () => {
      const task = selectedTask('edit');
      if (!task) return;
      setDraft(draftOf(task));
      setMode('launchText');
    },
  };

  return {
    tableKeys,
    /** Keys of the log pane and the detail view that reach past them. */
    paneAction: (action: Action) => {
      if (action === Action.OpenPager) openLog('pager');
      else if (action === Action.OpenEditor) openLog('editor');
      else if (action === Action.CopyId) copyId();
      else if (action === Action.Attach) attach();
    },
    draft,
    clearDraft: () => setDraft(null),
    alerts: { unseen: alerts.unseen.length, bell: alerts.bell },
  };
}
