// What the dashboard asks of its terminal beyond drawing frames: hand the whole
// terminal to a program (a pager, an editor) and take it back, and write the bytes
// that are not frames (the bell, OSC 52 to copy).
import { spawnSync } from 'node:child_process';

export interface ProgramResult {
  /** The program's exit code; null when it was killed by a signal or could not start. */
  code: number | null;
  error?: string;
}

export interface TerminalControl {
  /**
   * Runs `commandLine "$file"` through sh on the whole terminal and waits for it:
   * the dashboard's screen, raw mode and hidden cursor are put back as they were.
   */
  runProgram(commandLine: string, file: string): ProgramResult;
  write(data: string): void;
}

// Bracketed paste off, cursor shown, main screen: what a program expects to find.
const HAND_OVER = '\x1b[?2004l\x1b[?25h\x1b[?1049l';
// Back: the alternate screen, cleared, cursor home and hidden, bracketed paste on again.
const TAKE_BACK = '\x1b[?1049h\x1b[2J\x1b[H\x1b[?25l\x1b[?2004h';

/** The terminal the dashboard runs on (a TTY; also a test's fake streams, where raw mode is left alone). */
export function ttyTerminal(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): TerminalControl {
  return {
    write: (data) => void stdout.write(data),
    runProgram(commandLine, file) {
      const raw = Boolean(stdin.isTTY && stdin.isRaw);
      stdout.write(HAND_OVER);
      if (raw) stdin.setRawMode(false);
      // Ctrl+C in the program reaches this process too (same foreground group): it is the program's.
      const ignore = () => undefined;
      process.on('SIGINT', ignore);
      try {
        // Synchronous on purpose: the dashboard's loop stops, so it reads no key the program should get.
        const r = spawnSync('/bin/sh', ['-c', `${commandLine} "$1"`, 'sh', file], { stdio: 'inherit' });
        if (r.error) return { code: null, error: r.error.message };
        return { code: r.status };
      } finally {
        // A Ctrl+C caught during the program is delivered on a later turn of the loop: still the program's.
        setTimeout(() => process.off('SIGINT', ignore), 200);
        if (raw) stdin.setRawMode(true);
        stdout.write(TAKE_BACK);
      }
    },
  };
}

/** OSC 52: the terminal (and tmux, with set-clipboard on) puts `text` on the clipboard. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

export const BELL = '\x07';
