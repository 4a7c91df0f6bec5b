// The clipboard inside tmux. A program's OSC 52 reaches the terminal's clipboard through
// tmux only with `set -g set-clipboard on`; tmux's default (`external`) drops it, so
// there the text goes in with `tmux load-buffer` (and `-w` passes it on to the terminal
// where tmux can). Run through runner/program.ts when something is copied.
import { runProgram } from './program.js';

const TIMEOUT_MS = 2000;

async function tmux(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ ok: boolean; out: string }> {
  const r = await runProgram(['tmux', ...args], { env, input, timeoutMs: TIMEOUT_MS, maxOutput: 1024 * 1024 });
  const ok = r.failure === null && r.code === 0;
  return { ok, out: ok ? r.stdout.trim() : (r.stderr.trim() || `tmux exited with code ${r.code}`).split('\n')[0]! };
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
