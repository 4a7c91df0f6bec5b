// What dev-tools itself writes to a terminal besides text (Ink draws the frames), and
// whether colours may be written: the one place for each, for the CLI and the dashboard.
// (terminal-text.ts is the other way round: the sequences found in text that is shown.)

/** The alternate screen (the dashboard's own: the shell's screen comes back as it was). */
const ALT_SCREEN_ON = '\x1b[?1049h';
const ALT_SCREEN_OFF = '\x1b[?1049l';
/** Bracketed paste: a paste arrives marked as one, so its newlines are text, not keys. */
const PASTE_MARKS_ON = '\x1b[?2004h';
const PASTE_MARKS_OFF = '\x1b[?2004l';
const CURSOR_HIDE = '\x1b[?25l';
const CURSOR_SHOW = '\x1b[?25h';

/** The whole screen erased, the cursor home: where a frame drawn whole starts. */
export const CLEAR_SCREEN = '\x1b[2J\x1b[H';
/** Into the dashboard's screen: alternate screen, bracketed paste, cursor hidden. */
export const ENTER_SCREEN = ALT_SCREEN_ON + PASTE_MARKS_ON + CURSOR_HIDE;
/** Back to the shell's screen (or to a program the dashboard hands the terminal to): every mode put back. */
export const LEAVE_SCREEN = PASTE_MARKS_OFF + CURSOR_SHOW + ALT_SCREEN_OFF;

/** Colours are wanted unless NO_COLOR is set to anything non-empty (https://no-color.org) or the terminal is dumb. */
export function colorsAllowed(env: Readonly<Record<string, string | undefined>>): boolean {
  return !env.NO_COLOR && env.TERM !== 'dumb';
}
