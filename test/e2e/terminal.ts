// A real terminal: tmux on its own socket. .ci/run installs tmux; without it the tests fail, never skip silently.
import { spawnSync } from 'node:child_process';
import { childEnv, waitFor } from '../fixtures/index.js';

let sockets = 0;

export class Terminal {
  readonly socket = `dev-tools-e2e-${process.pid}-${++sockets}`;

  tmux(...args: string[]): string {
    // The server started by the first call passes its environment to what runs in the window.
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: childEnv() });
    if (r.error) throw new Error(`tmux is required for the end-to-end tests (apt-get install tmux): ${r.error.message}`);
    return r.stdout;
  }

  /** Runs a shell line in a new window of the given size; `sleep` keeps it open to read what it left. */
  open(command: string, columns = 120, rows = 30, cwd?: string): void {
    this.tmux(
      'new-session',
      '-d',
      '-s',
      'ui',
      '-x',
      String(columns),
      '-y',
      String(rows),
      ...(cwd ? ['-c', cwd] : []),
      `${command}; sleep 600`,
    );
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'ui');
  }

  /** tmux key names (`Enter`, `Down`) or literal text, each as one send. */
  keys(...keys: string[]): void {
    for (const k of keys) this.tmux('send-keys', '-t', 'ui', k);
  }

  /** Literal text in one send (one chunk for the program, as a paste or fast typing). */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'ui', '-l', text);
  }

  async see(text: string | RegExp, what = String(text), timeoutMs = 15_000): Promise<string> {
    try {
      return await waitFor(
        () => {
          const s = this.screen();
          return (typeof text === 'string' ? s.includes(text) : text.test(s)) ? s : undefined;
        },
        what,
        timeoutMs,
        100,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${this.screen()}`, { cause: err });
    }
  }

  /** The window's new size, as when the user drags the terminal's edge (SIGWINCH to the program). */
  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', 'ui', '-x', String(columns), '-y', String(rows));
  }

  /** The pane's terminal device: what is written there shows as if the program wrote it. */
  tty(): string {
    return this.tmux('display-message', '-p', '-t', 'ui', '#{pane_tty}').trim();
  }

  /** A bracketed paste of `text` (newlines kept), as a terminal sends one to a program that asked for it. */
  paste(text: string): void {
    this.tmux('set-buffer', '-b', 'e2e-paste', text);
    this.tmux('paste-buffer', '-p', '-d', '-b', 'e2e-paste', '-t', 'ui');
  }

  close(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
