// The dashboard: composes the panes and routes the modes. Over 250 lines: the modes
// (launch, confirm, filter, search, detail, pager) hand the selection and a pending
// question to one another here; what keys do lives in useTaskCommands and useTaskTools.
import { Box, useApp, useStdin, useStdout } from 'ink';
import { useCallback, useMemo, useRef, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';
import { describePause, isPaused } from '../src/core/queue.js';
import { dashboardTableHeight } from '../src/core/table.js';
import { nextAgoChange } from '../src/core/task-view.js';
import { describeSortOrder, sortTasks, type SortOrder } from '../src/core/task-sort.js';
import { gateName } from '../src/core/gate.js';
import { isBroken, isFinal, type Task, type TaskEntry } from '../src/core/task.js';
import { printable } from '../src/core/terminal-text.js';
import type { Config } from '../src/store/config.js';
import { namesIn } from '../src/store/paths.js';
import { withQueueReasons } from '../src/store/queue-view.js';
import type { TaskStore } from '../src/store/tasks.js';
import type { DashboardActions, RestartEdit } from './actions.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ReasonBar } from './ReasonBar.js';
import { useGatePlan } from './useGatePlan.js';
import { FilterBar, matchesFilter } from './FilterBar.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { Action, keysFor, type Mode } from './keymap.js';
import { LaunchForm } from './LaunchForm.js';
import { LogPane } from './LogPane.js';
import { MessageLine } from './MessageLine.js';
import { isTooSmall, SmallTerminal } from './SmallTerminal.js';
import { TaskDetail } from './TaskDetail.js';
import { TaskTable } from './TaskTable.js';
import { ttyTerminal, type TerminalControl } from './terminal-control.js';
import { selectionIndex, type Selection } from './useChoice.js';
import { useConfig } from './useConfig.js';
import { useJobStates } from './useJobStates.js';
import { useLowerPane } from './useLowerPane.js';
import { KeyRouterContext, useKeyRouter, useModeKeys, type ActionHandlers } from './useModeKeys.js';
import { useMessage } from './useMessage.js';
import { useNow } from './useNow.js';
import { usePause } from './usePause.js';
import { programsFrom, type Programs } from './useProgramOpener.js';
import { useScheduler } from './useScheduler.js';
import { useTaskDetail } from './useTaskDetail.js';
import { useTaskTools } from './useTaskTools.js';
import { questionText, useTaskCommands, type Question } from './useTaskCommands.js';
import { anyRunning, useTasks } from './useTasks.js';
import { useTerminalSize, type TerminalSize } from './useTerminalSize.js';

interface AppProps {
  store: TaskStore;
  /** The config at start; config.json is watched from then on. */
  config: Config;
  actions: DashboardActions;
  /** Fixed size (tests); otherwise the terminal's, following resize. */
  size?: Partial<TerminalSize>;
  /** Project name offered for "other command…" in the launch form. */
  defaultProject?: string;
  scheduleEveryMs?: number;
  /** How long a message stays (errors twice as long); the next action clears it sooner. */
  messageMs?: number;
  /** The terminal beyond frames (pager, bell, clipboard); defaults to the streams Ink draws on. */
  terminal?: TerminalControl;
  /** $PAGER and $EDITOR; defaults to those of `env`. */
  programs?: Programs;
  /** The dashboard's own environment ($PAGER, $EDITOR, $TMUX); defaults to this process's. */
  env?: NodeJS.ProcessEnv;
}

/** Where a selection is in the list shown: by id, or where it was when its task left. */
const indexOf = (shown: TaskEntry[], selection: Selection): number =>
  selectionIndex(
    shown.map((e) => e.id),
    selection,
  );

/** Composes the panes and routes keys to the current mode; each mode owns its view and keys. */
export function App({
  store,
  config: startConfig,
  actions,
  size,
  defaultProject = 'adhoc',
  scheduleEveryMs,
  messageMs = 5000,
  terminal: givenTerminal,
  env = process.env,
  programs = programsFrom(env),
}: AppProps) {
  const { exit } = useApp();
  const { stdin } = useStdin();
  const { stdout, write } = useStdout();
  const terminal = useMemo(
    () => givenTerminal ?? ttyTerminal(stdin as NodeJS.ReadStream, stdout, write, env),
    [givenTerminal, stdin, stdout, write, env],
  );
  const { columns, rows } = useTerminalSize(size);
  const [mode, setModeState] = useState<Mode>('table');
  const { router, switchTo } = useKeyRouter('table');
  router.redraw = () => terminal.redraw();
  const setMode = (next: Mode) => {
    switchTo(next);
    setModeState(next);
  };
  const { config, problem: configProblem } = useConfig(store.paths, startConfig);
  // Actions run with the config of the moment they run, not of the render that bound them.
  const configRef = useRef(config);
  configRef.current = config;
  const [showAll, setShowAll] = useState(false);
  const [filter, setFilter] = useState('');
  const [selection, setSelection] = useState<Selection>({ key: null, index: 0 });
  // It fades after a while, or at the next action (see `act`).
  const [message, setMessage] = useMessage(messageMs);
  const [pending, setPending] = useState<Question | null>(null);
  // Rows marked with space (k9s): `c` and `r` act on all of them, with one question.
  const [marked, setMarked] = useState<ReadonlySet<string>>(new Set());
  // A waiting task's plan, opened from the detail view: the log pane's keys (scroll, search) over it.
  const [planOpen, setPlanOpen] = useState(false);
  const [rejecting, setRejecting] = useState<Task | null>(null);
  const [sortOrder, setSortOrder] = useState<SortOrder>('created');
  // The help overlay goes back to where it was opened (the log pane, the detail view), as it was left.
  const [helpFrom, setHelpFrom] = useState<Mode>('table');
  const openHelp = () => {
    setHelpFrom(mode);
    setMode('help');
  };

  const schedule = useCallback(() => actions.schedule(configRef.current), [actions]);
  const watched = useTasks({ store, showAll });
  // A job's row with what its cluster says of it (pending reason, suspended, time limit).
  const { entries: jobEntries, warning: jobsWarning } = useJobStates(watched.entries, store);
  // Why each queued task waits (a dependency, a pause, its project's limit), as `status` shows it.
  const { pause, reread: rereadPause } = usePause(store.paths);
  const entries = useMemo(() => withQueueReasons(store, config, jobEntries, pause), [store, config, jobEntries, pause]);
  // Something for the scheduler: a task queued or running, or a stop pending (a ledger in run/).
  const schedulerHasWork = () => entries.some((e) => !isBroken(e) && !isFinal(e.status)) || namesIn(store.paths.run).length > 0;
  const schedulerProblem = useScheduler(schedule, scheduleEveryMs, schedulerHasWork);
  // Each second while a task runs (elapsed, ETA); else when a relative time shown (STARTED, ENDED,
  // and created in the detail view) reads differently: `12s ago` moves each second, `3h ago` each hour.
  const running = anyRunning(entries);
  const now = useNow((at) => (running ? at + 1000 : nextAgoChange(entries, at, mode === 'detail')));
  // Sorted by duration, the order moves with the clock; otherwise only with the tasks, the filter and the order.
  const sortClock = sortOrder === 'duration' ? now : 0;
  const shown = useMemo(() => {
    const filtered = filter ? entries.filter((e) => matchesFilter(e, filter)) : entries;
    return sortTasks(filtered, sortOrder, sortClock || Date.now());
  }, [entries, filter, sortOrder, sortClock]);
  const index = indexOf(shown, selection);
  const selected: TaskEntry | null = shown[index] ?? null;
  const selectedOk = selected && !isBroken(selected) ? selected : null;
  const lower = useLowerPane(store, actions, selected);
  const inDetail = mode === 'detail' || (planOpen && (mode === 'log' || mode === 'search' || mode === 'help'));
  const detail = useTaskDetail(store, inDetail ? selectedOk : null);
  const plan = useGatePlan(store, inDetail ? selectedOk : null);

  // Keys after a move wait for the frame that shows it: `c` then acts on the task on screen.
  // (A new selection object each time, so that frame always comes.)
  const moveTo = (to: (current: number) => number) => {
    router.hold();
    setSelection((prev) => {
      const next = Math.max(0, Math.min(to(indexOf(shown, prev)), shown.length - 1));
      return { key: shown[next]?.id ?? null, index: next };
    });
  };
  const commands = useTaskCommands(
    actions,
    () => configRef.current,
    setMessage,
    (id) => setSelection((s) => ({ key: id, index: s.index })),
  );
  /** The marked tasks still listed, in the order shown. */
  const markedTasks = (): Task[] => shown.filter((e): e is Task => !isBroken(e) && marked.has(e.id));
  const selectedTask = (verb: string): Task | null => {
    if (!selected) return (setMessage({ text: `no task to ${verb}`, kind: 'error' }), null);
    if (isBroken(selected)) return (setMessage({ text: `${selected.id}: the task file is unreadable`, kind: 'error' }), null);
    return selected;
  };
  const tools = useTaskTools({
    store,
    terminal,
    programs,
    entries,
    shown,
    index,
    showAll,
    sortOrder,
    setSortOrder,
    say: setMessage,
    selectedTask,
    moveTo,
    setMode,
  });
  /** A's and X's: only a task waiting at a gate takes them. */
  const waitingTask = (verb: string): Task | null => {
    const task = selectedTask(verb);
    if (task && task.status !== 'waiting') {
      setMessage({ text: `${task.id} is not waiting for approval (status: ${task.status})`, kind: 'error' });
      return null;
    }
    return task;
  };
  const gateKeys: ActionHandlers = {
    [Action.Approve]: () => {
      const task = waitingTask('approve');
      if (!task) return;
      setPending({ action: Action.Approve, task });
      setMode('confirm');
    },
    [Action.Reject]: () => {
      const task = waitingTask('reject');
      if (!task) return;
      setRejecting(task);
      setMode('reason');
    },
  };
  const tooSmall = isTooSmall(columns, rows);
  const height = Math.max(1, rows - 1);
  const body = height - 3;
  const tableHeight = dashboardTableHeight(rows, shown.length);
  const lowerHeight = body - tableHeight;
  const page = Math.max(1, tableHeight - 2);
  // Every action clears the message of the one before.
  const act = (handlers: ActionHandlers): ActionHandlers =>
    Object.fromEntries(
      Object.entries(handlers).map(([action, run]) => [
        action,
        () => {
          setMessage(null);
          run?.();
        },
      ]),
    );

  useModeKeys(
    'table',
    mode === 'table' || tooSmall,
    act({
      [Action.Quit]: () => exit(),
      ...(tooSmall
        ? {}
        : {
            [Action.Up]: () => moveTo((i) => i - 1),
            [Action.Down]: () => moveTo((i) => i + 1),
            [Action.PageUp]: () => moveTo((i) => i - page),
            [Action.PageDown]: () => moveTo((i) => i + page),
            [Action.First]: () => moveTo(() => 0),
            [Action.Last]: () => moveTo(() => shown.length - 1),
            [Action.FocusLog]: () => selected && setMode('log'),
            [Action.Launch]: () => {
              tools.clearDraft();
              setMode('launch');
            },
            [Action.ToggleAll]: () => setShowAll((v) => !v),
            [Action.Filter]: () => setMode('filter'),
            [Action.Back]: () => setFilter(''),
            [Action.Help]: openHelp,
            [Action.ShowDiff]: () => {
              const task = selectedTask('show the diff of');
              if (task && lower.showDiff()) setMode('log');
              else if (task) setMessage({ text: `${task.id} did not run in a worktree: it has no diff`, kind: 'error' });
            },
            ...tools.tableKeys,
            [Action.TogglePause]: () => {
              if (!selectedOk || !actions.setPaused) return;
              const project = selectedOk.project;
              const pausing = !isPaused(pause, project);
              actions.setPaused(project, pausing, configRef.current).then(
                (state) => {
                  rereadPause();
                  const still = !pausing && isPaused(state, project) ? ' (all projects are still paused: dev-tools resume)' : '';
                  setMessage({
                    text: `${pausing ? 'paused' : 'resumed'} project ${printable(project)}${pausing ? ': its queued tasks wait' : ''}${still}`,
                    kind: 'info',
                  });
                },
                (err: unknown) => setMessage({ text: errorMessage(err), kind: 'error' }),
              );
            },
            [Action.Mark]: () => {
              if (!selectedOk) return;
              const id = selectedOk.id;
              setMarked((prev) => {
                const next = new Set(prev);
                if (!next.delete(id)) next.add(id);
                return next;
              });
            },
            ...gateKeys,
            [Action.Cancel]: () => {
              const all = markedTasks();
              if (all.length) {
                const active = all.filter((t) => !isFinal(t.status));
                if (!active.length) return setMessage({ text: 'every marked task already ended', kind: 'error' });
                setPending({ action: Action.Cancel, tasks: active });
                return setMode('confirm');
              }
              const task = selectedTask('cancel');
              if (!task) return;
              if (isFinal(task.status)) return setMessage({ text: `${task.id} already ended (${task.status})`, kind: 'error' });
              setPending({ action: Action.Cancel, task });
              setMode('confirm');
            },
            [Action.Restart]: () => {
              const all = markedTasks();
              if (all.length) {
                setPending({ action: Action.Restart, tasks: all });
                return setMode('confirm');
              }
              const task = selectedTask('restart');
              if (!task) return;
              if (isFinal(task.status)) return commands.restart(task, false);
              setPending({ action: Action.Restart, task });
              setMode('confirm');
            },
          }),
    }),
    router,
  );

  if (tooSmall) {
    return (
      <KeyRouterContext.Provider value={router}>
        <Box flexDirection="column" width={columns} height={height} overflow="hidden">
          <SmallTerminal columns={columns} rows={rows} />
        </Box>
      </KeyRouterContext.Provider>
    );
  }

  // R, once edited: a restart as r makes one (where the original ran), asking first if it still runs.
  const restartEdited = (id: string, edit: RestartEdit) => {
    const task = store.read(id);
    if (!task || isBroken(task)) return setMessage({ text: `${id}: the task file is ${task ? 'unreadable' : 'gone'}`, kind: 'error' });
    if (isFinal(task.status)) return commands.restart(task, false, edit);
    setPending({ action: Action.Restart, task, edit });
    setMode('confirm');
  };
  const answer = (yes: boolean) => {
    const p = pending;
    setPending(null);
    setMode('table');
    if (!p || !yes) return setMessage({ text: 'nothing done', kind: 'info' });
    if ('tasks' in p) setMarked(new Set());
    commands.confirmed(p);
  };
  const launchKey = keysFor('table', Action.Launch);
  const emptyText = filter
    ? `no task matches "${filter}"`
    : showAll
      ? `no tasks yet — ${launchKey} launches one`
      : `no active tasks — ${launchKey} launches one, ${keysFor('table', Action.ToggleAll)} shows all`;
  const problems = [watched.problem, schedulerProblem, configProblem, jobsWarning].filter((p): p is string => p !== null);
  // What shows under the help overlay (kept, hidden, so its scroll and search stay as they were).
  const view = mode === 'help' ? helpFrom : mode;
  const showDetail = view === 'detail' || (planOpen && (view === 'log' || view === 'search'));
  const paneAction = (action: Action) => {
    if (action === Action.Help) return openHelp();
    if (action === Action.Approve || action === Action.Reject) return act(gateKeys)[action]?.();
    if (action === Action.FocusLog) {
      if (!plan) return setMessage({ text: 'only a task waiting at a gate after a stage has a plan to show', kind: 'info' });
      setPlanOpen(true);
      return setMode('log');
    }
    return tools.paneAction(action);
  };
  // The detail view of a waiting task: its record above, the plan below (what its gate asks to approve).
  const planHeight = plan ? Math.max(4, Math.floor(body / 2)) : 0;
  const status = message ?? (problems.length ? { text: problems[0]!, kind: 'error' as const } : null);

  return (
    <KeyRouterContext.Provider value={router}>
      <Box flexDirection="column" width={columns} height={height} overflow="hidden">
        <Header
          entries={entries}
          visible={shown}
          maxParallel={config.maxParallelTasks}
          showAll={showAll}
          filter={filter}
          positionIndex={index}
          positionCount={shown.length}
          sort={sortOrder === 'created' ? null : describeSortOrder(sortOrder)}
          unseenFailures={tools.alerts.unseen}
          bell={tools.alerts.bell}
          width={columns}
          paused={describePause(pause)}
        />
        {mode === 'help' ? <HelpOverlay width={columns} height={body} onClose={() => setMode(helpFrom)} /> : null}
        <Box display={mode === 'help' ? 'none' : 'flex'} flexDirection="column" height={body} overflow="hidden">
          {showDetail && selectedOk ? (
            <>
              <TaskDetail
                key={selectedOk.id}
                task={selectedOk}
                context={{ now, ...detail }}
                width={columns}
                height={body - planHeight}
                onBack={() => setMode('table')}
                onAction={paneAction}
                isActive={mode === 'detail'}
              />
              {plan ? (
                <LogPane
                  key={`plan:${selectedOk.id}`}
                  entry={selectedOk}
                  lines={plan.lines}
                  earlier={plan.earlier}
                  title={`plan (${selectedOk.gate ? `before ${gateName(selectedOk.gate)}` : 'before the gate'}; ${keysFor('detail', Action.FocusLog)} to scroll and search)`}
                  width={columns}
                  height={planHeight}
                  focused={planOpen && (mode === 'log' || mode === 'search')}
                  searching={planOpen && mode === 'search'}
                  onSearching={(on) => setMode(on ? 'search' : 'log')}
                  onAction={paneAction}
                  onBack={() => (setPlanOpen(false), setMode('detail'))}
                  onQuit={() => exit()}
                />
              ) : null}
            </>
          ) : (
            <>
              <TaskTable
                entries={shown}
                selected={index}
                marked={marked}
                width={columns}
                height={tableHeight}
                now={now}
                emptyText={emptyText}
              />
              {view === 'launch' || view === 'launchText' ? (
                <LaunchForm
                  projects={Object.entries(config.projects).map(([name, p]) => ({
                    name,
                    stages: p.stages.length,
                    stageNames: p.stages.map((st) => printable(st.name)).join(' → '),
                  }))}
                  defaultProject={defaultProject}
                  width={columns}
                  height={lowerHeight}
                  onModeChange={setMode}
                  initial={tools.draft}
                  onCancel={() => {
                    tools.clearDraft();
                    setMode('table');
                    setMessage({ text: tools.draft ? 'restart abandoned' : 'launch abandoned', kind: 'info' });
                  }}
                  onSubmit={(spec) => {
                    const draft = tools.draft;
                    tools.clearDraft();
                    setMode('table');
                    if (draft) restartEdited(draft.restartOf, spec);
                    else commands.launch(spec);
                  }}
                />
              ) : (
                <LogPane
                  key={lower.paneKey}
                  {...lower.pane}
                  entry={selected}
                  width={columns}
                  height={lowerHeight}
                  focused={mode === 'log' || mode === 'search'}
                  searching={mode === 'search'}
                  onSearching={(on) => setMode(on ? 'search' : 'log')}
                  onAction={paneAction}
                  onBack={() => (lower.showLog(), setMode('table'))}
                  onQuit={() => exit()}
                  onToggleView={lower.toggle}
                />
              )}
            </>
          )}
        </Box>
        {mode === 'confirm' ? (
          <ConfirmDialog question={pending ? questionText(pending) : ''} onAnswer={answer} />
        ) : mode === 'reason' && rejecting ? (
          <ReasonBar
            id={rejecting.id}
            onSubmit={(reason) => {
              setRejecting(null);
              setMode('table');
              commands.reject(rejecting, reason.trim() || null);
            }}
            onCancel={() => {
              setRejecting(null);
              setMode('table');
              setMessage({ text: `${rejecting.id} still waits`, kind: 'info' });
            }}
          />
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
          <MessageLine message={mode === 'help' ? null : status} />
        )}
        <Footer mode={mode} width={columns} waiting={selectedOk?.status === 'waiting'} />
      </Box>
    </KeyRouterContext.Provider>
  );
}
