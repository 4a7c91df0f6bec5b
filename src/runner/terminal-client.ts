// The client side of a `--tty` task's terminal (`send`, `attach`, the dashboard): the
// checks that say, in one line, why a task has no terminal to reach, and the socket.
import { connect, type Socket } from 'node:net';
import { errnoReason, TaskError } from '../core/errors.js';
import { encodeMessage, type SendReply } from '../core/terminal-protocol.js';
import { isFinal, type Task } from '../core/task.js';
import { ownSocket, terminalSocketPath } from '../store/terminal-socket.js';
import type { TaskStore } from '../store/tasks.js';
import { sleep } from './sleep.js';

/** How long a task that has just started may take to open its socket. */
const STARTING_MS = 10_000;

/** Why `task` has no terminal to reach now, or null. */
export function noTerminalReason(task: Task): string | null {
  if (!task.tty)
    return `task ${task.id} was not started with --tty: it has no terminal (dev-tools restart ${task.id} --tty runs it in one)`;
  if (task.status === 'queued') return `task ${task.id} is queued: its terminal opens when it starts`;
  if (isFinal(task.status)) return `task ${task.id} has ended (${task.status}): its terminal is closed`;
  return null;
}

function open(path: string): Promise<Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err));
  });
}

/**
 * Connects to the terminal of a running `--tty` task, as `mode` (the worker streams its
 * output to an attach). A task that has just started gets a few seconds to open it.
 */
export async function connectTerminal(store: TaskStore, id: string, mode: 'send' | 'attach'): Promise<Socket> {
  const deadline = Date.now() + STARTING_MS;
  for (;;) {
    const task = store.get(id);
    const why = noTerminalReason(task);
    if (why) throw new TaskError(why);
    const path = terminalSocketPath(store.paths, id);
    let problem: string;
    if (ownSocket(path)) {
      const s = await open(path);
      if (!(s instanceof Error)) {
        s.write(encodeMessage({ t: 'hello', mode }));
        return s;
      }
      problem = errnoReason(s);
    } else problem = 'no socket of yours there';
    // Starting (no pid yet, or its terminal not open yet), or ended meanwhile: look again.
    if (Date.now() >= deadline)
      throw new TaskError(`task ${id}'s terminal does not answer (${path}: ${problem}); is its worker alive? (dev-tools status)`);
    await sleep(100);
  }
}

/** Writes `data` to the task's terminal; resolves once its worker has taken it. */
export async function sendToTerminal(store: TaskStore, id: string, data: Buffer): Promise<void> {
  const socket = await connectTerminal(store, id, 'send');
  const reply = await new Promise<SendReply | null>((resolve) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => resolve(null));
    socket.on('close', () => {
      try {
        resolve(JSON.parse(text.split('\n')[0]!) as SendReply);
      } catch {
        resolve(null);
      }
    });
    socket.write(encodeMessage({ t: 'in', d: data.toString('base64') }));
  });
  if (!reply) throw new TaskError(`task ${id}'s terminal closed before it took the input (the task may have just ended)`);
  if (!reply.ok) throw new TaskError(`task ${id}: ${reply.error ?? 'the input was refused'}`);
}
