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
  Choose: 'choose',
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export const MODES = ['table', 'log', 'launch', 'confirm', 'help', 'filter'] as const;
export type Mode = (typeof MODES)[number];

type NamedKey = 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab';

/** One key: a named key from Ink's `Key`, or a plain character. */
export type KeySpec = { name: NamedKey } | { char: string };

export interface Binding {
  action: Action;
  keys: KeySpec[];
  /** What it does, in the user's words (help overlay). */
  description: string;
  /** Short label for the footer; omitted bindings appear only in the help overlay. */
  hint?: string;
}

const NAMED_LABELS: Record<NamedKey, string> = {
  upArrow: '↑',
  downArrow: '↓',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  escape: 'Esc',
  tab: 'Tab',
};

const k = (name: NamedKey): KeySpec => ({ name });
const c = (char: string): KeySpec => ({ char });

export const KEYMAP: Record<Mode, Binding[]> = {
  table: [
    { action: Action.Up, keys: [k('upArrow'), c('k')], description: 'select the previous task', hint: 'move' },
    { action: Action.Down, keys: [k('downArrow'), c('j')], description: 'select the next task', hint: 'move' },
    { action: Action.First, keys: [c('g')], description: 'first task', hint: 'first/last' },
    { action: Action.Last, keys: [c('G')], description: 'last task', hint: 'first/last' },
    { action: Action.FocusLog, keys: [k('return'), k('tab')], description: 'focus the log pane', hint: 'log' },
    { action: Action.Launch, keys: [c('n')], description: 'launch a new task', hint: 'new' },
    { action: Action.Cancel, keys: [c('c')], description: 'cancel the selected task (asks first)', hint: 'cancel' },
    { action: Action.Restart, keys: [c('r')], description: 'restart the selected task as a new task', hint: 'restart' },
    { action: Action.ToggleAll, keys: [c('a')], description: 'show active tasks / all tasks', hint: 'all' },
    { action: Action.Filter, keys: [c('/')], description: 'filter by id, project or description', hint: 'filter' },
    { action: Action.Back, keys: [k('escape')], description: 'clear the filter' },
    { action: Action.Help, keys: [c('?')], description: 'show all keys', hint: 'help' },
    { action: Action.Quit, keys: [c('q')], description: 'quit (tasks keep running)', hint: 'quit' },
  ],
  log: [
    { action: Action.LineUp, keys: [k('upArrow'), c('k')], description: 'scroll the log up a line', hint: 'scroll' },
    { action: Action.LineDown, keys: [k('downArrow'), c('j')], description: 'scroll the log down a line', hint: 'scroll' },
    { action: Action.PageUp, keys: [k('pageUp')], description: 'scroll the log up a page', hint: 'scroll' },
    { action: Action.PageDown, keys: [k('pageDown')], description: 'scroll the log down a page', hint: 'scroll' },
    { action: Action.Top, keys: [k('home'), c('g')], description: 'start of the loaded log', hint: 'top/end' },
    { action: Action.Bottom, keys: [k('end'), c('G')], description: 'end of the log, follow new output', hint: 'top/end' },
    { action: Action.Back, keys: [k('escape'), k('tab')], description: 'back to the task table', hint: 'back' },
    { action: Action.Quit, keys: [c('q')], description: 'quit (tasks keep running)', hint: 'quit' },
  ],
  launch: [
    { action: Action.Choose, keys: [k('upArrow'), k('downArrow')], description: 'choose a project', hint: 'choose' },
    { action: Action.Submit, keys: [k('return')], description: 'confirm this step', hint: 'next' },
    { action: Action.Back, keys: [k('escape')], description: 'abandon the launch', hint: 'cancel' },
  ],
  confirm: [
    { action: Action.Yes, keys: [c('y'), c('Y')], description: 'yes, do it', hint: 'yes' },
    { action: Action.No, keys: [c('n'), c('N'), k('return'), k('escape')], description: 'no (the default)', hint: 'no' },
  ],
  help: [{ action: Action.Back, keys: [k('escape'), c('?'), c('q')], description: 'close the help', hint: 'close' }],
  filter: [
    { action: Action.Submit, keys: [k('return')], description: 'keep the filter, back to the table', hint: 'keep' },
    { action: Action.Back, keys: [k('escape')], description: 'clear the filter', hint: 'clear' },
  ],
};

/** The task picker of `dev-tools cancel` (outside the dashboard, so not one of its modes). */
export const PICKER_KEYS: Binding[] = [
  { action: Action.Choose, keys: [k('upArrow'), k('downArrow')], description: 'choose a task', hint: 'choose' },
  { action: Action.Submit, keys: [k('return')], description: 'select it', hint: 'select' },
  { action: Action.Back, keys: [k('escape'), c('q')], description: 'leave without choosing', hint: 'leave' },
];

export const MODE_TITLES: Record<Mode, string> = {
  table: 'Task table',
  log: 'Log pane',
  launch: 'Launch form',
  confirm: 'Confirmation',
  help: 'Help',
  filter: 'Filter',
};

export function matches(spec: KeySpec, input: string, key: Key): boolean {
  if ('name' in spec) return key[spec.name] === true;
  return input === spec.char && !key.ctrl && !key.meta;
}

/** The action a key means in a mode, or null. */
export function actionFor(mode: Mode, input: string, key: Key): Action | null {
  for (const b of KEYMAP[mode]) if (b.keys.some((s) => matches(s, input, key))) return b.action;
  return null;
}

export function keyLabel(spec: KeySpec): string {
  return 'name' in spec ? NAMED_LABELS[spec.name] : spec.char;
}

export function bindingLabel(b: Binding): string {
  return b.keys.map(keyLabel).join('/');
}

/**
 * Footer hints for a mode, in keymap order. Bindings that share a hint form one
 * entry showing the first key of each (`↑/↓ move`); a lone binding shows all its keys.
 */
export function footerHints(mode: Mode): { keys: string; hint: string }[] {
  const groups = new Map<string, Binding[]>();
  for (const b of KEYMAP[mode]) {
    if (!b.hint) continue;
    const group = groups.get(b.hint);
    if (group) group.push(b);
    else groups.set(b.hint, [b]);
  }
  return [...groups].map(([hint, bs]) => ({
    hint,
    keys: bs.length === 1 ? bindingLabel(bs[0]!) : bs.map((b) => keyLabel(b.keys[0]!)).join('/'),
  }));
}

/** The key labels bound to an action in a mode (`q`), for text that mentions a key. */
export function keysFor(mode: Mode, action: Action): string {
  return KEYMAP[mode]
    .filter((b) => b.action === action)
    .map(bindingLabel)
    .join('/');
}
