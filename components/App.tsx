import { Box, useApp } from 'ink';
import { useState } from 'react';
import { printable } from '../src/core/text.js';
import { isBroken, isFinal, type Task, type TaskEntry } from '../src/core/task.js';
import type { Config } from '../src/store/config.js';
import type { TaskStore } from '../src/store/tasks.js';
import type { DashboardActions } from './actions.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { FilterBar, matchesFilter } from './FilterBar.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { Action, type Mode } from './keymap.js';
import { LaunchForm } from './LaunchForm.js';
import { LogPane } from './LogPane.js';
import { MessageLine, type Message } from './MessageLine.js';
import { isTooSmall, SmallTerminal } from './SmallTerminal.js';
import { TaskTable } from './TaskTable.js';
import { useLogTail } from './useLogTail.js';
import { KeyRouterContext, useKeyRouter, useModeKeys } from './useModeKeys.js';
import { useNow } from './useNow.js';
import { useTaskCommands } from './useTaskCommands.js';
import { anyRunning, useTasks } from './useTasks.js';
import { useTerminalSize, type TerminalSize } from './useTerminalSize.js';

export interface AppProps {
  store: TaskStore;
  config: Config;
  actions: DashboardActions;
  /** Fixed size (tests); otherwise the terminal's, following resize. */
  size?: Partial<TerminalSize>;
  /** Project name offered for "other command…" in the launch form. */
  defaultProject?: string;
  scheduleEveryMs?: number;
}

/** A question waiting for y/N: which action, on which task. */
type Pending = { action: typeof Action.Cancel; task: Task } | { action: typeof Action.Restart; task: Task };

/** Composes the panes and routes keys to the current mode; each mode owns its view and keys. */
export function App({ store, config, actions, size, defaultProject = 'adhoc', scheduleEveryMs }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(size);
  const [mode, setModeState] = useState<Mode>('table');
  const { router, switchTo } = useKeyRouter('table');
  const setMode = (next: Mode) => {
    switchTo(next);
    setModeState(next);
  };
  const [showAll, setShowAll] = useState(false);
  const [filter, setFilter] = useState('');
  const [selection, setSelection] = useState<{ id: string | null; index: number }>({ id: null, index: 0 });
  const [message, setMessage] = useState<Message | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);

  const { entries, problem } = useTasks({ store, showAll, schedule: actions.schedule, scheduleEveryMs });
  const now = useNow(anyRunning(entries));
  const shown = filter ? entries.filter((e) => matchesFilter(e, filter)) : entries;
  const found = selection.id === null ? -1 : shown.findIndex((e) => e.id === selection.id);
  const index = found >= 0 ? found : Math.min(selection.index, Math.max(0, shown.length - 1));
  const selected: TaskEntry | null = shown[index] ?? null;
  const lines = useLogTail(store, selected?.id ?? null);

  const select = (i: number) => {
    const clamped = Math.max(0, Math.min(i, shown.length - 1));
    setSelection({ id: shown[clamped]?.id ?? null, index: clamped });
  };
  const commands = useTaskCommands(actions, setMessage, (id) => setSelection((s) => ({ id, index: s.index })));
  const selectedTask = (verb: string): Task | null => {
    if (!selected) return setMessage({ text: `no task to ${verb}`, kind: 'error' }), null;
    if (isBroken(selected)) return setMessage({ text: `${selected.id}: the task file is unreadable`, kind: 'error' }), null;
    return selected;
  };
  const tooSmall = isTooSmall(columns, rows);

  useModeKeys(
    'table',
    mode === 'table' || tooSmall,
    {
    [Action.Quit]: () => exit(),
    ...(tooSmall
      ? {}
      : {
          [Action.Up]: () => select(index - 1),
          [Action.Down]: () => select(index + 1),
          [Action.First]: () => select(0),
          [Action.Last]: () => select(shown.length - 1),
          [Action.FocusLog]: () => selected && setMode('log'),
          [Action.Launch]: () => setMode('launch'),
          [Action.ToggleAll]: () => setShowAll((v) => !v),
          [Action.Filter]: () => setMode('filter'),
          [Action.Back]: () => setFilter(''),
          [Action.Help]: () => setMode('help'),
          [Action.Cancel]: () => {
            const task = selectedTask('cancel');
            if (!task) return;
            if (isFinal(task.status)) return setMessage({ text: `${task.id} already ended (${task.status})`, kind: 'error' });
            setPending({ action: Action.Cancel, task });
            setMode('confirm');
          },
          [Action.Restart]: () => {
            const task = selectedTask('restart');
            if (!task) return;
            if (isFinal(task.status)) return commands.restart(task, false);
            setPending({ action: Action.Restart, task });
            setMode('confirm');
          },
        }),
  }, router);

  const height = Math.max(1, rows - 1);
  if (tooSmall) {
    return (
      <KeyRouterContext.Provider value={router}>
        <Box flexDirection="column" width={columns} height={height} overflow="hidden">
          <SmallTerminal columns={columns} rows={rows} />
        </Box>
      </KeyRouterContext.Provider>
    );
  }

  const body = height - 3;
  const tableHeight = Math.max(2, Math.min(shown.length + 1, Math.floor(body * 0.45)));
  const lowerHeight = body - tableHeight;
  const question = pending
    ? pending.action === Action.Cancel
      ? `Cancel ${pending.task.id} (${printable(pending.task.project)}: ${printable(pending.task.description)})?`
      : `${pending.task.id} is still ${pending.task.status}: cancel it and start it again?`
    : '';
  const answer = (yes: boolean) => {
    const p = pending;
    setPending(null);
    setMode('table');
    if (!p || !yes) return setMessage({ text: 'nothing done', kind: 'info' });
    if (p.action === Action.Cancel) commands.cancel(p.task);
    else commands.restart(p.task, true);
  };
  const emptyText = filter ? `no task matches "${filter}"` : showAll ? 'no tasks yet — n launches one' : 'no active tasks — n launches one, a shows all';

  return (
    <KeyRouterContext.Provider value={router}>
    <Box flexDirection="column" width={columns} height={height} overflow="hidden">
      <Header entries={entries} maxParallel={config.maxParallelTasks} showAll={showAll} filter={filter} />
      {mode === 'help' ? (
        <HelpOverlay height={body} onClose={() => setMode('table')} />
      ) : (
        <>
          <TaskTable entries={shown} selected={index} width={columns} height={tableHeight} now={now} emptyText={emptyText} />
          {mode === 'launch' ? (
            <LaunchForm
              projects={Object.entries(config.projects).map(([name, p]) => ({ name, stages: p.stages.length }))}
              defaultProject={defaultProject}
              height={lowerHeight}
              onCancel={() => {
                setMode('table');
                setMessage({ text: 'launch abandoned', kind: 'info' });
              }}
              onSubmit={(spec) => {
                setMode('table');
                commands.launch(spec);
              }}
            />
          ) : (
            <LogPane
              key={selected?.id ?? ''}
              entry={selected}
              lines={lines}
              width={columns}
              height={lowerHeight}
              focused={mode === 'log'}
              onBack={() => setMode('table')}
              onQuit={() => exit()}
            />
          )}
        </>
      )}
      {mode === 'confirm' ? (
        <ConfirmDialog question={question} onAnswer={answer} />
      ) : mode === 'filter' ? (
        <FilterBar
          value={filter}
          onChange={setFilter}
          onDone={() => setMode('table')}
          onClear={() => {
            setFilter('');
            setMode('table');
          }}
        />
      ) : (
        <MessageLine message={message ?? (problem ? { text: problem, kind: 'error' } : null)} />
      )}
      <Footer mode={mode} />
    </Box>
    </KeyRouterContext.Provider>
  );
}
