// The clipboard inside tmux. A program's OSC 52 reaches the terminal's clipboard through
// tmux only with `set -g set-clipboard on`; tmux's default (`external`) drops it, so
// there the text goes in with `tmux load-buffer` (and `-w` passes it on to the terminal
// where tmux can). node:child_process, loaded only when something is copied.
import { execFile } from 'node:child_process';

const TIMEOUT_MS = 2000;

function tmux(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('tmux', args, { env, timeout: TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: err ? (stderr.trim() || err.message).split('\n')[0]! : stdout.trim() });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** tmux's set-clipboard (`on`, `external`, `off`) when this runs inside tmux; null outside it, or when tmux does not say. */
export async function tmuxSetClipboard(env: NodeJS.ProcessEnv): Promise<string | null> {
  if (!env.TMUX) return null;
  const r = await tmux(['show-options', '-gv', 'set-clipboard'], env);
  return r.ok && r.out ? r.out : null;
}

/** Puts `text` in tmux's paste buffer (and the terminal's clipboard, where tmux can); the error, or null. */
export async function tmuxLoadBuffer(text: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const r = await tmux(['load-buffer', '-w', '-'], env, text);
  if (r.ok) return null;
  // tmux before 3.2 has no -w: the buffer alone.
  const plain = await tmux(['load-buffer', '-'], env, text);
  return plain.ok ? null : plain.out;
}
