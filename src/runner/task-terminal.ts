// The terminal of a `--tty` task, inside its worker: each step runs in a pseudo-terminal
// (node-pty, loaded only here: other workers never pay for it), its output goes into the
// log and to every attach, and a unix socket (0600, in a 0700 folder of ours) takes input
// and resizes from `send` and `attach`. While a step runs it is watched for the moment
// the program waits for input (proc-terminal.ts): that is the task's attention.
import { createServer, type Server, type Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { closeSync, constants as fsConstants, openSync, writeSync } from 'node:fs';
import type { IPty } from '@lydell/node-pty';
import { errnoReason } from '../core/errors.js';
import type { Attention as TaskAttention } from '../core/task.js';
import { MAX_MESSAGE_BYTES, parseClientMessage, type SendReply } from '../core/terminal-protocol.js';
import { safeUnlink } from '../store/atomic.js';
import { checkSocketFolder, MAX_SOCKET_PATH } from '../store/terminal-socket.js';
import { terminalOf, waitsForInput } from './proc-terminal.js';

/** The size a task's terminal starts with, until an attach says its own. */
export const DEFAULT_SIZE = { cols: 80, rows: 24 };
/** How often the foreground program is looked at while a step runs. */
const ATTENTION_POLL_MS = 200;
/**
 * node-pty destroys its end of the terminal 200 ms after the command exits if the last
 * output has not been read by then (a loaded machine), and that output is lost. Its
 * socket's destroy is held back until the output has been quiet this long (at most
 * DRAIN_MAX_MS): normally the end of the output (EIO) closes it first.
 */
const DRAIN_QUIET_MS = 100;
const DRAIN_MAX_MS = 3000;
/** What an attach gets first: the end of the output so far, so its screen is not blank. */
const REPLAY_BYTES = 16 * 1024;
/** An attach this far behind (stopped with Ctrl+Z, a stalled link) is let go, not buffered for without bound. */
const MAX_BEHIND_BYTES = 8 * 1024 * 1024;

type PtyModule = typeof import('@lydell/node-pty');

export interface TerminalStep {
  pid: number;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export type Attention = TaskAttention | null;

export class TaskTerminal {
  private pty: IPty | null = null;
  private pts: string | null = null;
  private size = { ...DEFAULT_SIZE };
  private readonly attaches = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private recent: Buffer = Buffer.alloc(0);
  private lastOutputAt = 0;
  private held: number | null = null;
  private poll: NodeJS.Timeout | null = null;
  private seenWaiting = 0;
  private attention: Attention = null;

  private constructor(
    private readonly pty_: PtyModule,
    private readonly server: Server,
    readonly socketPath: string,
    private readonly logFd: number,
    private readonly onAttention: (a: Attention) => void,
  ) {
    server.on('connection', (socket) => this.client(socket));
  }

  /** Loads node-pty and listens on the task's socket; a failure is the reason the task cannot run. */
  static async open(socketPath: string, logFd: number, onAttention: (a: Attention) => void): Promise<TaskTerminal | { error: string }> {
    let mod: PtyModule;
    try {
      mod = await import('@lydell/node-pty');
    } catch (err) {
      return { error: `cannot load the terminal module (@lydell/node-pty) for --tty: ${(err as Error).message.split('\n')[0]}` };
    }
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) return { error: `the terminal's socket path is too long: ${socketPath}` };
    try {
      checkSocketFolder(socketPath, true);
    } catch (err) {
      return { error: `cannot open the task's terminal socket: ${errnoReason(err)}` };
    }
    // A socket left by a worker killed earlier (its ledger says it is dead, or this id is new).
    safeUnlink(socketPath);
    const server = createServer();
    const listening = await new Promise<string | null>((resolve) => {
      // Made 0600 as it is made: umask is process-wide, and put back at once.
      const old = process.umask(0o177);
      server.once('error', (err) => {
        process.umask(old);
        resolve(errnoReason(err));
      });
      server.listen(socketPath, () => {
        process.umask(old);
        resolve(null);
      });
    });
    if (listening) return { error: `cannot listen on the task's terminal socket ${socketPath}: ${listening}` };
    server.unref();
    return new TaskTerminal(mod, server, socketPath, logFd, onAttention);
  }

  /**
   * Starts `file args` in a new terminal (the pty's child leads a session of its own,
   * so its pid is its process group). Throws what node-pty throws.
   */
  start(file: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): TerminalStep {
    const env = { TERM: 'xterm-256color', ...opts.env } as Record<string, string>;
    const pty = this.pty_.spawn(file, args, {
      cwd: opts.cwd,
      env,
      cols: this.size.cols,
      rows: this.size.rows,
      name: env.TERM,
      encoding: null,
    });
    this.pty = pty;
    this.drainBeforeDestroy(pty);
    this.pts = ((pty as unknown as { _pty?: string })._pty ?? null) || terminalOf(pty.pid);
    this.holdTerminal();
    pty.onData((data) => this.output(typeof data === 'string' ? Buffer.from(data) : (data as unknown as Buffer)));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      pty.onExit(({ exitCode, signal }) => {
        if (this.pty === pty) this.stepEnded();
        resolve(signal ? { code: null, signal: signalName(signal) } : { code: exitCode, signal: null });
      });
    });
    this.seenWaiting = 0;
    this.poll = setInterval(() => this.look(), ATTENTION_POLL_MS);
    return { pid: pty.pid, exited };
  }

  private drainBeforeDestroy(pty: object): void {
    const socket = (pty as { _socket?: { destroy: (...a: unknown[]) => unknown } })._socket;
    if (!socket || typeof socket.destroy !== 'function') return;
    const destroy = socket.destroy.bind(socket);
    let asked = 0;
    socket.destroy = (...a: unknown[]) => {
      asked ||= Date.now();
      const quiet = Date.now() - this.lastOutputAt;
      if (quiet >= DRAIN_QUIET_MS || Date.now() - asked >= DRAIN_MAX_MS) return destroy(...a);
      setTimeout(() => socket.destroy(...a), DRAIN_QUIET_MS - quiet);
      return socket;
    };
  }

  /**
   * The worker holds the terminal's other end open while the command runs: when the
   * command's last process closes it, Linux may report the end (EIO) to the reader before
   * the last output is read, and that output would be lost. Closed once the step ended.
   */
  private holdTerminal(): void {
    if (!this.pts) return;
    try {
      this.held = openSync(this.pts, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
    } catch {
      this.held = null;
    }
  }

  private stepEnded(): void {
    if (this.held !== null) closeSync(this.held);
    this.held = null;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.pty = null;
    this.pts = null;
    this.setAttention(null);
  }

  private output(data: Buffer): void {
    this.lastOutputAt = Date.now();
    try {
      writeSync(this.logFd, data);
    } catch {
      // A full disk loses output, never the task (the attaches still see it).
    }
    this.recent =
      this.recent.length + data.length > REPLAY_BYTES * 2
        ? Buffer.concat([this.recent, data]).subarray(-REPLAY_BYTES)
        : Buffer.concat([this.recent, data]);
    for (const s of this.attaches) {
      if (s.writableLength > MAX_BEHIND_BYTES) s.destroy();
      else s.write(data);
    }
  }

  /** Is the foreground program waiting for input? Set once seen twice in a row (a passing read is not a question), cleared at once. */
  private look(): void {
    const pty = this.pty;
    if (!pty || !this.pts) return;
    const waiting = waitsForInput(pty.pid, this.pts);
    if (waiting === null) return;
    this.seenWaiting = waiting ? this.seenWaiting + 1 : 0;
    this.setAttention(this.seenWaiting >= 2 ? 'input' : null);
  }

  private setAttention(a: Attention): void {
    if (a === this.attention) return;
    this.attention = a;
    this.onAttention(a);
  }

  private input(data: Buffer): string | null {
    const pty = this.pty;
    if (!pty) return 'the task has no command running in its terminal right now';
    // Typed: whatever waited has its answer (a new question is seen again at the next looks).
    this.seenWaiting = 0;
    this.setAttention(null);
    (pty.write as (d: string | Buffer) => void)(data);
    return null;
  }

  private client(socket: Socket): void {
    this.clients.add(socket);
    let buffered = '';
    let mode: 'send' | 'attach' | null = null;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.clients.delete(socket);
      this.attaches.delete(socket);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_MESSAGE_BYTES) return socket.destroy();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = parseClientMessage(line);
        if (!m) return socket.destroy();
        if (m.t === 'hello') {
          mode = m.mode;
          if (mode === 'attach') {
            this.attaches.add(socket);
            if (this.recent.length) socket.write(this.recent);
          }
        } else if (m.t === 'in') {
          const problem = this.input(Buffer.from(m.d, 'base64'));
          if (mode === 'send') reply(socket, problem ? { ok: false, error: problem } : { ok: true });
        } else if (m.t === 'resize') {
          this.size = { cols: m.cols, rows: m.rows };
          try {
            this.pty?.resize(m.cols, m.rows);
          } catch {
            // the step just ended
          }
        }
      }
    });
  }

  /** The task has ended: every client is let go (an attach then reads the final state), and the socket goes. */
  close(): void {
    if (this.poll) clearInterval(this.poll);
    for (const s of this.clients) s.end();
    this.server.close();
    safeUnlink(this.socketPath);
  }
}

function reply(socket: Socket, r: SendReply): void {
  socket.end(`${JSON.stringify(r)}\n`);
}

function signalName(n: number): string {
  for (const [name, value] of Object.entries(osConstants.signals)) if (value === n) return name;
  return `signal ${n}`;
}
