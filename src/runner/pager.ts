// Long text for a person at a terminal: through $PAGER (default `less -FRX`), as git does.
import { spawn } from 'node:child_process';

/** Shows `text` in the pager; resolves false when no pager could run (the caller prints it instead). */
export function page(text: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const pager = env.PAGER?.trim() || 'less -FRX';
  if (pager === 'cat') return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', pager], { stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...env } });
    child.once('error', () => resolve(false));
    // A pager quit before reading it all closes the pipe: not an error.
    child.stdin.on('error', () => {});
    child.once('exit', (code) => resolve(code !== 127));
    child.stdin.end(text);
  });
}
