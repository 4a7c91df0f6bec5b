// Over 250 lines: the one table of every key of every mode (keys are named nowhere
// else); the footer and the help overlay render from it whole.
import type { Key } from 'ink';

/**
 * The only place keys are named. Modes ask "which action is this key?" and the
 * footer and the help overlay render from the same table.
 */
export const Action = {
  Up: 'up',
  Down: 'down',
  First: 'first',
  Last: 'last',
  FocusLog: 'focusLog',
  Back: 'back',
  Launch: 'launch',
  Cancel: 'cancel',
  Restart: 'restart',
  ShowDiff: 'showDiff',
  ToggleAll: 'toggleAll',
  Filter: 'filter',
  Help: 'help',
  Quit: 'quit',
  LineUp: 'lineUp',
  LineDown: 'lineDown',
  PageUp: 'pageUp',
  PageDown: 'pageDown',
  Top: 'top',
  Bottom: 'bottom',
  Yes: 'yes',
  No: 'no',
  Submit: 'submit',
  CursorLeft: 'cursorLeft',
  CursorRight: 'cursorRight',
  CursorStart: 'cursorStart',
  CursorEnd: 'cursorEnd',
  DeleteBack: 'deleteBack',
  Search: 'search',
  SearchNext: 'searchNext',
  SearchPrev: 'searchPrev',
  OpenPager: 'openPager',
  OpenEditor: 'openEditor',
  Detail: 'detail',
  Sort: 'sort',
  NextFailed: 'nextFailed',
  PrevFailed: 'prevFailed',
  CopyId: 'copyId',
  EditRestart: 'editRestart',
  ToggleBell: 'toggleBell',
  Redraw: 'redraw',
  TogglePause: 'togglePause',
  Mark: 'mark',
  QueueOptions: 'queueOptions',
  Approve: 'approve',
  Reject: 'reject',
  Open: 'open',
  Attach: 'attach',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

/** `launch`: choosing the project; `launchText`: typing its name, the description or the command. */
export const MODES = ['table', 'log', 'search', 'detail', 'launch', 'launchText', 'confirm', 'help', 'filter', 'reason'] as const;
export type Mode = (typeof MODES)[number];
/** Modes where printable keys are typed into a field (and a paste lands). */
export const TEXT_MODES: readonly Mode[] = ['launchText', 'filter', 'search', 'reason'];

type NamedKey =
  | 'upArrow'
  | 'downArrow'
  | 'leftArrow'
  | 'rightArrow'
  | 'pageUp'
  | 'pageDown'
  | 'home'
  | 'end'
  | 'return'
  | 'escape'
  | 'tab'
  | 'backspace'
  | 'delete';

/** One key: a named key from Ink's `Key`, a plain character, or a Ctrl+letter. */
export type KeySpec = { name: NamedKey } | { char: string } | { ctrl: string };

export interface Binding {
  action: Action;
  keys: KeySpec[];
  /** What it does, in the user's words (help overlay). */
  description: string;
  /** Short label for the footer; omitted bindings appear only in the help overlay. */
  hint?: string;
  /** The footer keeps it however narrow the terminal (help, quit); the others go from the right. */
  pinned?: boolean;
}

const NAMED_LABELS: Record<NamedKey, string> = {
  upArrow: '↑',
  downArrow: '↓',
  leftArrow: '←',
  rightArrow: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
  backspace: 'Backspace',
  // Most terminals send DEL (0x7f) for Backspace, which Ink names `delete`.
  delete: 'Backspace',
};

const k = (name: NamedKey): KeySpec => ({ name });
const c = (char: string): KeySpec => ({ char });
const ctrl = (letter: string): KeySpec => ({ ctrl: letter });

/** Editing keys of every text field (launch form, filter); any other printable key is typed. */
const TEXT_EDITING: Binding[] = [
  { action: Action.CursorLeft, keys: [k('leftArrow')], description: 'move the cursor left', hint: 'cursor' },
  { action: Action.CursorRight, keys: [k('rightArrow')], description: 'move the cursor right', hint: 'cursor' },
  { action: Action.CursorStart, keys: [k('home'), ctrl('a')], description: 'cursor to the start' },
  { action: Action.CursorEnd, keys: [k('end'), ctrl('e')], description: 'cursor to the end' },
  { action: Action.DeleteBack, keys: [k('backspace'), k('delete')], description: 'delete the character before the cursor' },
];

export const KEYMAP: Record<Mode, Binding[]> = {
  table: [
    { action: Action.Up, keys: [k('upArrow'), c('k')], description: 'select the previous task', hint: 'move' },
    { action: Action.Down, keys: [k('downArrow'), c('j')], description: 'select the next task', hint: 'move' },
    { action: Action.PageUp, keys: [k('pageUp')], description: 'a page of tasks up' },
    { action: Action.PageDown, keys: [k('pageDown')], description: 'a page of tasks down' },
    { action: Action.First, keys: [c('g'), k('home')], description: 'first task' },
    { action: Action.Last, keys: [c('G'), k('end')], description: 'last task' },
    {
      action: Action.Open,
      keys: [k('return')],
      description: 'focus the log pane; a running --tty task: attach',
      hint: 'log',
    },
    { action: Action.FocusLog, keys: [k('tab')], description: 'focus the log pane', hint: 'log' },
    { action: Action.Attach, keys: [c('t')], description: "attach to a --tty task's terminal (Ctrl+] back)" },
    { action: Action.Detail, keys: [c('i')], description: 'the whole record of the selected task', hint: 'detail' },
    { action: Action.Launch, keys: [c('n')], description: 'launch a new task', hint: 'new' },
    { action: Action.Mark, keys: [c(' ')], description: 'mark or unmark a task (c and r act on all marked)' },
    { action: Action.Cancel, keys: [c('c')], description: 'cancel the selected or marked tasks (asks first)', hint: 'cancel' },
    { action: Action.Restart, keys: [c('r')], description: 'restart the selected or marked tasks as new tasks', hint: 'restart' },
    // Footer hints only while the selected task waits (Footer: GATE_HINTS), and then first.
    { action: Action.Approve, keys: [c('A')], description: 'approve a waiting task: it runs on (asks first)', hint: 'approve' },
    { action: Action.Reject, keys: [c('X')], description: 'reject a waiting task, with a reason', hint: 'reject' },
    { action: Action.EditRestart, keys: [c('R')], description: 'edit in the launch form, then launch it anew' },
    // No footer hint (no room): the log pane's title names the key for a worktree task.
    { action: Action.ShowDiff, keys: [c('d')], description: 'show the diff of a worktree task' },
    { action: Action.ToggleAll, keys: [c('a')], description: 'show active tasks / all tasks' },
    { action: Action.Filter, keys: [c('/')], description: 'filter by id, project, status or description', hint: 'filter' },
    { action: Action.Sort, keys: [c('s')], description: 'sort: newest, status, project, progress, duration', hint: 'sort' },
    { action: Action.NextFailed, keys: [c('f')], description: 'next failed or interrupted task' },
    { action: Action.PrevFailed, keys: [c('F')], description: 'previous failed or interrupted task' },
    { action: Action.OpenPager, keys: [c('o')], description: 'open the log in $PAGER (default less -R)' },
    { action: Action.OpenEditor, keys: [c('e')], description: 'open the log in $EDITOR (default vi)' },
    { action: Action.CopyId, keys: [c('y')], description: "copy the selected task's id (OSC 52 or tmux)" },
    { action: Action.ToggleBell, keys: [c('b')], description: 'bell on a failure or a wait: on / off' },
    { action: Action.TogglePause, keys: [c('p')], description: "pause or resume the selected task's project" },
    { action: Action.Back, keys: [k('escape')], description: 'clear the filter' },
    { action: Action.Help, keys: [c('?')], description: 'show all keys', hint: 'help', pinned: true },
    { action: Action.Quit, keys: [c('q')], description: 'quit (tasks keep running)', hint: 'quit', pinned: true },
  ],
  log: [
    { action: Action.LineUp, keys: [k('upArrow'), c('k')], description: 'scroll the log up a line', hint: 'scroll' },
    { action: Action.LineDown, keys: [k('downArrow'), c('j')], description: 'scroll the log down a line', hint: 'scroll' },
    { action: Action.PageUp, keys: [k('pageUp')], description: 'scroll the log up a page', hint: 'scroll' },
    { action: Action.PageDown, keys: [k('pageDown')], description: 'scroll the log down a page', hint: 'scroll' },
    { action: Action.Top, keys: [k('home'), c('g')], description: 'start of the loaded log', hint: 'top/end' },
    { action: Action.Bottom, keys: [k('end'), c('G')], description: 'end of the log, follow new output', hint: 'top/end' },
    { action: Action.Search, keys: [c('/')], description: 'search the loaded log (capital: case-sensitive)', hint: 'search' },
    { action: Action.SearchNext, keys: [c('n')], description: 'next match (wraps around)', hint: 'next/prev' },
    { action: Action.SearchPrev, keys: [c('N')], description: 'previous match (wraps around)', hint: 'next/prev' },
    { action: Action.OpenPager, keys: [c('o')], description: 'open the log in $PAGER (default less -R)', hint: 'pager' },
    { action: Action.OpenEditor, keys: [c('e')], description: 'open the log in $EDITOR (default vi)' },
    { action: Action.ShowDiff, keys: [c('d')], description: 'switch between log and diff', hint: 'log/diff' },
    { action: Action.Attach, keys: [c('t')], description: "attach to a --tty task's terminal (Ctrl+] back)" },
    { action: Action.Back, keys: [k('escape'), k('tab')], description: 'clear the search, else back to the table', hint: 'back' },
    { action: Action.Help, keys: [c('?')], description: 'show all keys', hint: 'help', pinned: true },
    { action: Action.Quit, keys: [c('q')], description: 'quit (tasks keep running)', hint: 'quit', pinned: true },
  ],
  search: [
    { action: Action.Submit, keys: [k('return')], description: 'search, back to the log', hint: 'search' },
    { action: Action.Back, keys: [k('escape')], description: 'drop the search', hint: 'cancel' },
    ...TEXT_EDITING,
  ],
  detail: [
    { action: Action.LineUp, keys: [k('upArrow'), c('k')], description: 'scroll up', hint: 'scroll' },
    { action: Action.LineDown, keys: [k('downArrow'), c('j')], description: 'scroll down', hint: 'scroll' },
    { action: Action.PageUp, keys: [k('pageUp')], description: 'a page up' },
    { action: Action.PageDown, keys: [k('pageDown'), c(' ')], description: 'a page down' },
    { action: Action.OpenPager, keys: [c('o')], description: 'open the log in $PAGER (default less -R)', hint: 'pager' },
    { action: Action.CopyId, keys: [c('y')], description: "copy the task's id (OSC 52 or tmux)", hint: 'copy id' },
    {
      action: Action.FocusLog,
      keys: [k('return'), k('tab')],
      description: 'the plan of a waiting task: scroll, search',
      hint: 'plan',
    },
    { action: Action.Approve, keys: [c('A')], description: 'approve a waiting task (asks first)', hint: 'approve' },
    { action: Action.Reject, keys: [c('X')], description: 'reject a waiting task, with a reason', hint: 'reject' },
    { action: Action.Back, keys: [k('escape'), c('i'), c('q')], description: 'back to the task table', hint: 'back', pinned: true },
    { action: Action.Help, keys: [c('?')], description: 'show all keys', hint: 'help', pinned: true },
  ],
  launch: [
    { action: Action.Up, keys: [k('upArrow'), c('k')], description: 'previous choice', hint: 'choose' },
    { action: Action.Down, keys: [k('downArrow'), c('j')], description: 'next choice', hint: 'choose' },
    { action: Action.Submit, keys: [k('return')], description: 'take this one', hint: 'next' },
    { action: Action.Back, keys: [k('escape')], description: 'abandon the launch', hint: 'cancel' },
  ],
  launchText: [
    { action: Action.Submit, keys: [k('return')], description: 'confirm this field (the last one launches)', hint: 'next' },
    {
      action: Action.QueueOptions,
      keys: [k('tab')],
      description: 'queue options, on the last field',
    },
    { action: Action.Back, keys: [k('escape')], description: 'abandon the launch', hint: 'cancel' },
    ...TEXT_EDITING,
  ],
  confirm: [
    { action: Action.Yes, keys: [c('y'), c('Y')], description: 'yes, do it', hint: 'yes' },
    { action: Action.No, keys: [c('n'), c('N'), k('return'), k('escape')], description: 'no (the default)', hint: 'no' },
  ],
  help: [
    { action: Action.LineUp, keys: [k('upArrow'), c('k')], description: 'scroll the help up', hint: 'scroll' },
    { action: Action.LineDown, keys: [k('downArrow'), c('j')], description: 'scroll the help down', hint: 'scroll' },
    { action: Action.PageUp, keys: [k('pageUp')], description: 'a page up' },
    { action: Action.PageDown, keys: [k('pageDown'), c(' ')], description: 'a page down' },
    { action: Action.Back, keys: [k('escape'), c('?'), c('q')], description: 'close the help', hint: 'close' },
  ],
  reason: [
    { action: Action.Submit, keys: [k('return')], description: 'reject the task with this reason (it may be empty)', hint: 'reject' },
    { action: Action.Back, keys: [k('escape')], description: 'do not reject', hint: 'cancel' },
    ...TEXT_EDITING,
  ],
  filter: [
    { action: Action.Submit, keys: [k('return')], description: 'keep the filter, back to the table', hint: 'keep' },
    { action: Action.Back, keys: [k('escape')], description: 'clear the filter', hint: 'clear' },
    ...TEXT_EDITING,
  ],
};

/** The task picker of `dev-tools cancel` (outside the dashboard, so not one of its modes). */
export const PICKER_KEYS: Binding[] = [
  { action: Action.Up, keys: [k('upArrow'), c('k')], description: 'previous task', hint: 'choose' },
  { action: Action.Down, keys: [k('downArrow'), c('j')], description: 'next task', hint: 'choose' },
  { action: Action.PageUp, keys: [k('pageUp')], description: 'a page up' },
  { action: Action.PageDown, keys: [k('pageDown')], description: 'a page down' },
  { action: Action.Submit, keys: [k('return')], description: 'cancel this task', hint: 'select' },
  { action: Action.Back, keys: [k('escape'), c('q')], description: 'leave without choosing', hint: 'leave' },
];

/** Keys that mean the same in every mode, taken before any mode's handler sees them. */
export const GLOBAL_KEYS: Binding[] = [
  { action: Action.Quit, keys: [ctrl('c')], description: 'quit, from anywhere' },
  { action: Action.Redraw, keys: [ctrl('l')], description: 'draw the screen again, whole' },
];

export const MODE_TITLES: Record<Mode, string> = {
  table: 'Task table',
  log: 'Log pane',
  search: 'Log search',
  detail: 'Task detail',
  launch: 'Launch form: project, stages or a command',
  launchText: 'Launch form: name, description, command',
  confirm: 'Confirmation',
  help: 'Help',
  filter: 'Filter',
  reason: 'Reject: the reason',
};

/** The footer hints of the keys that answer a gate: shown only while the selected task waits. */
export const GATE_HINTS: readonly string[] = ['approve', 'reject', 'plan'];

function matches(spec: KeySpec, input: string, key: Key): boolean {
  if ('name' in spec) return key[spec.name] === true;
  if ('ctrl' in spec) return key.ctrl && input === spec.ctrl;
  return input === spec.char && !key.ctrl && !key.meta;
}

/** The action a key means in a list of bindings, or null. */
export function actionIn(bindings: Binding[], input: string, key: Key): Action | null {
  for (const b of bindings) if (b.keys.some((s) => matches(s, input, key))) return b.action;
  return null;
}

/** The action a key means in a mode, or null. */
export function actionFor(mode: Mode, input: string, key: Key): Action | null {
  return actionIn(KEYMAP[mode], input, key);
}

function keyLabel(spec: KeySpec): string {
  if ('name' in spec) return NAMED_LABELS[spec.name];
  if ('ctrl' in spec) return `Ctrl+${spec.ctrl.toUpperCase()}`;
  return spec.char === ' ' ? 'Space' : spec.char;
}

export function bindingLabel(b: Binding): string {
  // Two names for one key (Backspace as BS or DEL) show once.
  return [...new Set(b.keys.map(keyLabel))].join('/');
}

/**
 * Footer hints for a mode, in keymap order. Bindings that share a hint form one
 * entry showing the first key of each (`↑/↓ move`); a lone binding shows all its keys.
 */
export function footerHints(mode: Mode | Binding[]): FooterHint[] {
  const groups = new Map<string, Binding[]>();
  for (const b of typeof mode === 'string' ? KEYMAP[mode] : mode) {
    if (!b.hint) continue;
    const group = groups.get(b.hint);
    if (group) group.push(b);
    else groups.set(b.hint, [b]);
  }
  return [...groups].map(([hint, bs]) => ({
    hint,
    keys: bs.length === 1 ? bindingLabel(bs[0]!) : bs.map((b) => keyLabel(b.keys[0]!)).join('/'),
    pinned: bs.some((b) => b.pinned),
  }));
}

export interface FooterHint {
  keys: string;
  hint: string;
  pinned: boolean;
}

/** Hints joined by this (`↑/↓ move  Enter/Tab log`). */
export const HINT_GAP = '  ';

/**
 * The hints that fit `width` cells, in order: the last unpinned ones go first, so help and
 * quit stay on an 80-column screen. `measure` gives a string's width in cells.
 */
export function fitHints(hints: FooterHint[], width: number, measure: (text: string) => number): FooterHint[] {
  const shown = [...hints];
  const total = () => shown.reduce((sum, h, i) => sum + (i > 0 ? HINT_GAP.length : 0) + measure(h.keys) + 1 + measure(h.hint), 0);
  while (total() > width) {
    let drop = -1;
    for (let i = shown.length - 1; i >= 0 && drop < 0; i--) if (!shown[i]!.pinned) drop = i;
    if (drop < 0) break;
    shown.splice(drop, 1);
  }
  return shown;
}

/** The key labels bound to an action in a mode (`q`), for text that mentions a key. */
export function keysFor(mode: Mode, action: Action): string {
  return KEYMAP[mode]
    .filter((b) => b.action === action)
    .map(bindingLabel)
    .join('/');
}

/** The answer hint of a yes/no question, `[y/N]`: the first key of each answer, the default (No) in capitals. */
export function yesNoHint(): string {
  const first = (action: Action) => {
    const spec = KEYMAP.confirm.find((b) => b.action === action)?.keys.find((s) => 'char' in s);
    return spec ? keyLabel(spec) : '?';
  };
  return `[${first(Action.Yes)}/${first(Action.No).toUpperCase()}]`;
}
