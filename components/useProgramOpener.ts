import type { Task } from '../src/core/task.js';
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

/** Hands the terminal to the pager or editor on a task's log; it comes back as it was (terminal-control.ts). */
export function useProgramOpener(
  store: TaskStore,
  terminal: TerminalControl,
  programs: Programs,
  say: (m: Message) => void,
): { open(kind: keyof Programs, task: Task): void } {
  return {
    open(kind, task) {
      const program = programs[kind];
      const r = terminal.runProgram(program, store.logPath(task.id));
      if (r.missing) return say({ text: `${task.id} has no log yet`, kind: 'error' });
      if (r.error) return say({ text: `cannot run ${program}: ${r.error}`, kind: 'error' });
      if (r.code === 127)
        return say({ text: `${program}: command not found (set $${kind === 'pager' ? 'PAGER' : 'EDITOR'})`, kind: 'error' });
      say({ text: `back from ${program} (${task.id}'s log)`, kind: 'info' });
    },
  };
}
