import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { printable } from '../core/terminal-text.js';

/** Where programs are looked for when the environment has no PATH (as a shell does without one). */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

function runnable(path: string): 'ok' | 'missing' | 'denied' {
  try {
    if (!statSync(path).isFile()) return 'missing';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'ok';
  } catch {
    return 'denied';
  }
}

/**
 * Finds the program a step runs, as the shell will (`PATH` of the task's environment,
 * an empty entry meaning the working directory). Returns null when it can run, else
 * one line naming the command: `command not found: nosuchcommand`.
 */
export function findCommand(name: string, pathVar: string | undefined, cwd: string): string | null {
  const shown = printable(name);
  if (name === '') return 'command not found: (empty)';
  let found: 'ok' | 'missing' | 'denied' = 'missing';
  if (name.includes('/')) found = runnable(isAbsolute(name) ? name : resolve(cwd, name));
  else {
    for (const dir of (pathVar ?? DEFAULT_PATH).split(delimiter)) {
      const r = runnable(join(dir === '' ? cwd : resolve(cwd, dir), name));
      if (r === 'ok') return null;
      if (r === 'denied') found = 'denied';
    }
  }
  if (found === 'ok') return null;
  return found === 'denied' ? `cannot run command ${shown}: permission denied` : `command not found: ${shown}`;
}

/** The file a program name runs on a PATH (absolute entries only), or null. */
export function programOnPath(name: string, pathVar: string | undefined): string | null {
  for (const dir of (pathVar ?? DEFAULT_PATH).split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const file = join(dir, name);
    if (runnable(file) === 'ok') return file;
  }
  return null;
}
