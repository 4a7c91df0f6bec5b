// What `send` and `attach` say to the worker of a `--tty` task over its socket: one
// JSON object a line. The worker answers `send` with one line, and streams the
// terminal's output to an attach as raw bytes.

export type ClientMessage =
  | { t: 'hello'; mode: 'send' | 'attach' }
  /** Bytes for the terminal, base64. */
  | { t: 'in'; d: string }
  | { t: 'resize'; cols: number; rows: number };

export interface SendReply {
  ok: boolean;
  error?: string;
}

/** The most `send` takes at once. */
export const MAX_SEND_BYTES = 1024 * 1024;
/** The largest line a client may send (MAX_SEND_BYTES in base64 fits). */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

/** A terminal's size, as a resize may set it. */
export function validSize(cols: unknown, rows: unknown): cols is number {
  return (
    Number.isInteger(cols) &&
    Number.isInteger(rows) &&
    (cols as number) > 0 &&
    (rows as number) > 0 &&
    (cols as number) <= 1000 &&
    (rows as number) <= 1000
  );
}

export function parseClientMessage(line: string): ClientMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  if (m.t === 'hello' && (m.mode === 'send' || m.mode === 'attach')) return { t: 'hello', mode: m.mode };
  if (m.t === 'in' && typeof m.d === 'string') return { t: 'in', d: m.d };
  if (m.t === 'resize' && validSize(m.cols, m.rows)) return { t: 'resize', cols: m.cols as number, rows: m.rows as number };
  return null;
}

export function encodeMessage(m: ClientMessage): string {
  return `${JSON.stringify(m)}\n`;
}

/** The key that leaves an attach (Ctrl+], as telnet has it). */
export const DETACH_BYTE = 0x1d;
