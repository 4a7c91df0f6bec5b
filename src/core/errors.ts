// Typed errors: the CLI turns these into exit codes in one place.
export class UsageError extends Error {
  readonly exitCode = 2;
  override name = 'UsageError';
}

export class TaskError extends Error {
  readonly exitCode = 1;
  override name = 'TaskError';
}

// What a failed system call means to a user, where the code alone would not say it.
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
};

/** Why a file or process call failed: in words for the common causes, else its errno code (or message). */
export function errnoReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | null | undefined;
  const code = e?.code;
  if (code && Object.hasOwn(ERRNO_WORDS, code)) return ERRNO_WORDS[code]!;
  return code ?? e?.message ?? String(err);
}

/** The message of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The message of anything thrown, with its errno code when the message does not already say it. */
export function describeError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  const message = errorMessage(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
