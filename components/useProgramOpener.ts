import { errnoReason } from '../src/core/errors.js';
import type { Task } from '../src/core/task.js';
import { copyLogForReading, type LogCopy } from '../src/store/log-copy.js';
import type { TaskStore } from '../src/store/tasks.js';
import type { Message } from './MessageLine.js';
import type { TerminalControl } from './terminal-control.js';

/** The programs the log opens in: $PAGER and $EDITOR, as git and less read them. */
export interface Programs {
  pager: string;
  editor: string;
}

export function programsFrom(env: NodeJS.ProcessEnv): Programs {
  return { pager: env.PAGER?.trim() || 'less -R', editor: env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi' };
}

/**
 * Hands the terminal to the pager or editor on a task's log; it comes back as it was
 * (terminal-control.ts). The program gets a read-only copy without the marker lines
 * (store/log-copy.ts), removed when it exits: the log itself is never opened for writing.
 */
export function useProgramOpener(
  store: TaskStore,
  terminal: TerminalControl,
  programs: Programs,
  say: (m: Message) => void,
): { open(kind: keyof Programs, task: Task): void } {
  return {
    open(kind, task) {
      const program = programs[kind];
      let copy: LogCopy;
      try {
        copy = copyLogForReading(store.logPath(task.id), `${task.id}.log`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return say({ text: `${task.id} has no log yet`, kind: 'error' });
        return say({ text: `cannot copy ${task.id}'s log to open it: ${errnoReason(err)}`, kind: 'error' });
      }
      let r: ReturnType<TerminalControl['runProgram']>;
      try {
        r = terminal.runProgram(program, copy.path);
      } finally {
        copy.remove();
      }
      if (r.missing) return say({ text: `${task.id} has no log yet`, kind: 'error' });
      if (r.error) return say({ text: `cannot run ${program}: ${r.error}`, kind: 'error' });
      if (r.code === 127)
        return say({ text: `${program}: command not found (set $${kind === 'pager' ? 'PAGER' : 'EDITOR'})`, kind: 'error' });
      say({ text: `back from ${program} (${task.id}'s log)`, kind: 'info' });
    },
  };
}
