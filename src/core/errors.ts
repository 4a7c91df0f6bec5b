// Typed errors: the CLI turns these into exit codes in one place.
export class UsageError extends Error {
  readonly exitCode = 2;
  override name = 'UsageError';
}

export class TaskError extends Error {
  readonly exitCode = 1;
  override name = 'TaskError';
}
