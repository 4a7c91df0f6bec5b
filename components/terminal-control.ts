// What the dashboard asks of its terminal beyond drawing frames: hand the whole
// terminal to a program (a pager, an editor) and take it back, and write the bytes
// that are not frames (the bell, OSC 52 to copy).
import { CLEAR_SCREEN, ENTER_SCREEN, LEAVE_SCREEN } from '../src/core/terminal-codes.js';
import { runtimeFile } from '../src/runner/runtime-files.js';
import { handTerminalTo, handTerminalToCommand, type TerminalRun } from '../src/runner/terminal-program.js';

export type { TerminalRun };

export interface TerminalControl {
  /**
   * Runs `commandLine "$file"` on the whole terminal and waits for it: the
   * dashboard's screen, raw mode and hidden cursor are put back as they were.
   */
  runProgram(commandLine: string, file: string): TerminalRun;
  /** Runs `dev-tools attach <id>` on the whole terminal until it detaches or the task ends, and takes the terminal back. */
  attach(id: string): TerminalRun;
  write(data: string): void;
  /** Clears the screen and draws the last frame again, whole (Ctrl+L). */
  redraw(): void;
  /** Copies `text` for the user: OSC 52, or tmux's buffer where tmux would drop OSC 52. Says what it did. */
  copy(text: string): Promise<{ message: string; ok: boolean }>;
}

/**
 * The terminal the dashboard runs on (a TTY; also a test's fake streams, where raw mode
 * is left alone). `inkWrite` is Ink's own write (useStdout): Ink forgets what it drew,
 * writes, and draws its last frame again whole, so the cleared screen gets every line
 * (both of Ink's renderers otherwise write only what changed).
 */
export function ttyTerminal(
  stdin: NodeJS.ReadStream,
  stdout: NodeJS.WriteStream,
  inkWrite: (data: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): TerminalControl {
  const handing = () => {
    const raw = Boolean(stdin.isTTY && stdin.isRaw);
    return {
      handOver: () => {
        // The main screen as a program expects to find it; back, the dashboard's screen, cleared.
        stdout.write(LEAVE_SCREEN);
        if (raw) stdin.setRawMode(false);
      },
      takeBack: () => {
        if (raw) stdin.setRawMode(true);
        stdout.write(ENTER_SCREEN + CLEAR_SCREEN);
        inkWrite('');
      },
    };
  };
  return {
    async copy(text) {
      const { tmuxLoadBuffer, tmuxSetClipboard } = await import('../src/runner/tmux-clipboard.js');
      const tmux = await tmuxSetClipboard(env);
      if (tmux === null || tmux === 'on') {
        stdout.write(osc52(text));
        return { message: `sent ${text} to the terminal's clipboard (OSC 52${tmux ? ', passed on by tmux' : ''})`, ok: true };
      }
      // tmux's default (set-clipboard external) drops a program's OSC 52.
      const failed = await tmuxLoadBuffer(text, env);
      if (!failed)
        return { message: `copied ${text} into tmux's buffer (tmux load-buffer: its set-clipboard ${tmux} drops OSC 52)`, ok: true };
      stdout.write(osc52(text));
      return { message: `sent ${text} as OSC 52, which tmux drops (set-clipboard ${tmux}); tmux load-buffer failed: ${failed}`, ok: false };
    },
    write: (data) => void stdout.write(data),
    // Through Ink: it forgets what it drew, and draws its last frame whole after the clear.
    redraw: () => inkWrite(CLEAR_SCREEN),
    runProgram(commandLine, file) {
      return handTerminalTo(commandLine, file, handing());
    },
    attach(id) {
      return handTerminalToCommand([process.execPath, runtimeFile('cli'), 'attach', id], handing());
    },
  };
}

/** OSC 52: the terminal (and tmux, with set-clipboard on) puts `text` on the clipboard; a terminal without it ignores it. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

export const BELL = '\x07';
