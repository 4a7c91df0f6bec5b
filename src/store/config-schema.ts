import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { copyPathProblem } from '../core/diff.js';
import { sbatchArgProblem } from '../core/slurm.js';
import { parseSize } from '../core/units.js';
import { LOCAL_EXECUTOR, PROJECT_NAME_RE, PROJECT_NAME_RULE } from '../core/task.js';
import { MAX_RETRIES } from '../core/queue.js';
import { parseDuration } from '../core/units.js';
import type { Config } from './config.js';

const stage = z.strictObject({
  name: z.string().min(1, 'must be a non-empty string'),
  run: z.string().min(1, 'must be a non-empty shell line'),
  approve: z.boolean('must be true or false (true: a person approves before the stage starts)').optional(),
});

const amount = (what: string) => z.number(`must be a number (${what})`).positive(`must be more than 0 (${what})`);
const budget = z.strictObject({
  costUsd: amount('US dollars').optional(),
  tokens: z.int('must be a whole number of tokens').positive('must be more than 0 (tokens)').optional(),
});

/** What a process environment can hold: a name without "=" or NUL, a value without NUL. */
const ENV_NAME_RULE = 'variable names are non-empty and hold no "=" or NUL character';
const envName = z.string().regex(/^[^=\0]+$/, ENV_NAME_RULE);
const envValue = z.string('must be a string').refine((v) => !v.includes('\0'), 'must not hold a NUL character');

/** At most an hour between SIGTERM and SIGKILL: past that a timer would overflow, and a cancel would never end. */
const MAX_GRACE_MS = 3_600_000;

/** A duration as `--timeout` takes it (`90s`, `10m`, `2h`) or a number of seconds; kept as seconds. */
const durationOf = (zero: boolean) =>
  z.union([z.number(), z.string()], 'must be a duration ("90s", "10m", "2h") or a number of seconds').transform((v, ctx) => {
    const seconds = typeof v === 'number' ? v : parseDuration(v);
    if (seconds === null || !Number.isFinite(seconds) || seconds < 0 || (!zero && seconds === 0)) {
      ctx.addIssue({ code: 'custom', message: `must be a duration ("90s", "10m", "2h") or a number of seconds, not ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return seconds;
  });
const duration = durationOf(false);

const project = z.strictObject({
  cwd: z.string().min(1, 'must be a non-empty path').optional(),
  env: z.record(envName, envValue).default({}),
  stages: z.array(stage).default([]),
  executor: z.string().min(1, 'must be the name of an executor ("local" or one in "executors")').optional(),
  isolation: z.enum(['none', 'worktree'], 'must be "none" or "worktree"').default('none'),
  setup: z.array(z.string().min(1, 'must be a non-empty shell line'), 'must be an array of shell lines').default([]),
  copy: z
    .array(
      z.string('must be a path').superRefine((path, ctx) => {
        const problem = copyPathProblem(path);
        if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(path)} ${problem}` });
      }),
      'must be an array of paths relative to the project',
    )
    .default([]),
  onFinish: z.string('must be a shell line (a string; "" turns the top-level one off for this project)').optional(),
  maxParallel: z.int('must be a positive integer').positive('must be a positive integer').optional(),
  timeout: duration.optional(),
  retries: z
    .int('must be a non-negative integer')
    .nonnegative('must be a non-negative integer')
    .max(MAX_RETRIES, `must be at most ${MAX_RETRIES}`)
    .optional(),
  retryDelay: z.union([z.literal('exp'), durationOf(true)], 'must be a duration ("30s", or seconds) or "exp"').optional(),
  retryOnTimeout: z.boolean('must be true or false').optional(),
  onWaiting: z.string('must be a shell line (a string; "" turns the top-level one off for this project)').optional(),
  budget: budget.optional(),
  tty: z.boolean('must be true or false').optional(),
  limits: z
    .strictObject({
      memory: z
        .string('must be a size such as "2G" or "512M"')
        .refine((v) => parseSize(v) !== null, 'must be a size such as "2G" or "512M"')
        .optional(),
      cpus: z.number('must be a number of CPUs (1.5: one and a half)').positive('must be a positive number of CPUs').optional(),
    })
    .optional(),
});

/** `{ "type": "slurm", "sbatchArgs": [...] }`: a Slurm cluster (src/runner/executors/slurm/). */
const slurm = z.strictObject({
  type: z.literal('slurm'),
  sbatchArgs: z
    .array(
      z.string('must be a string').superRefine((arg, ctx) => {
        const problem = sbatchArgProblem(arg);
        if (problem) ctx.addIssue({ code: 'custom', message: `cannot hold ${JSON.stringify(arg)}: ${problem}` });
      }),
      'must be an array of sbatch options',
    )
    .default([]),
});

/**
 * One entry per type of executor `executors.<name>.type` can name, each with its own
 * keys; a new executor adds its schema here (and its folder in src/runner/executors/).
 */
const EXECUTOR_TYPES = [slurm] as const;

const typeNames = EXECUTOR_TYPES.map((t) => JSON.stringify(t.shape.type.value));
const executor = z.discriminatedUnion('type', EXECUTOR_TYPES, {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? typeNames.length === 1
        ? `must be ${typeNames[0]} (the only executor type besides the built-in "local")`
        : `must be one of ${typeNames.join(', ')} (besides the built-in "local")`
      : undefined,
});

const EXECUTOR_NAME_RE = new RegExp(`^(?!${LOCAL_EXECUTOR}$)${PROJECT_NAME_RE.source.slice(1)}`);
const EXECUTOR_NAME_RULE = `executor names are 1-64 letters, digits, ".", "_" and "-" (and not "${LOCAL_EXECUTOR}": it is built in)`;

const schema = z.strictObject({
  maxParallelTasks: z.int('must be a positive integer').positive('must be a positive integer').default(10),
  cancelGraceMs: z
    .int('must be a non-negative integer (milliseconds)')
    .nonnegative('must be a non-negative integer (milliseconds)')
    .max(MAX_GRACE_MS, `must be at most ${MAX_GRACE_MS} (one hour, in milliseconds)`)
    .default(5000),
  containment: z.enum(['auto', 'cgroup', 'process-group'], 'must be "auto", "cgroup" or "process-group"').default('auto'),
  onFinish: z.string('must be a shell line (a string)').optional(),
  onWaiting: z.string('must be a shell line (a string)').optional(),
  executors: z.record(z.string().regex(EXECUTOR_NAME_RE, EXECUTOR_NAME_RULE), executor).default({}),
  projects: z.record(z.string().regex(PROJECT_NAME_RE, PROJECT_NAME_RULE), project).default({}),
});

export function parseConfig(raw: unknown): Config {
  // zod skips a "__proto__" key of a record without a word: name it here instead.
  for (const [key, rule] of [
    ['projects', `invalid project name "__proto__": ${PROJECT_NAME_RULE}`],
    ['executors', `invalid executor name "__proto__": ${EXECUTOR_NAME_RULE}`],
  ] as const) {
    const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[key] : undefined;
    if (typeof record === 'object' && record !== null && Object.hasOwn(record, '__proto__')) throw new UsageError(`config.json: ${rule}`);
  }
  // The same for a project's env, where it would be dropped without a word: the task would miss it.
  const projects = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).projects : undefined;
  if (typeof projects === 'object' && projects !== null) {
    for (const [name, p] of Object.entries(projects)) {
      const env = typeof p === 'object' && p !== null ? (p as Record<string, unknown>).env : undefined;
      if (typeof env === 'object' && env !== null && Object.hasOwn(env, '__proto__')) {
        throw new UsageError(`config.json: projects.${name}.env cannot hold "__proto__" (a name JSON tools drop or misread)`);
      }
    }
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data as Config;
  const issue = result.error.issues[0]!;
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (where ? `${where}.${k}` : k)).join(', ');
    throw new UsageError(`config.json: unknown key ${keys}`);
  }
  if (issue.code === 'invalid_key' && issue.path[2] === 'env') {
    const name = String(issue.path[issue.path.length - 1]);
    throw new UsageError(
      `config.json: ${issue.path.slice(0, 3).map(String).join('.')} has an invalid variable name ${JSON.stringify(name.slice(0, 40))}: ${ENV_NAME_RULE}`,
    );
  }
  if (issue.code === 'invalid_key') {
    const name = String(issue.path[issue.path.length - 1]);
    const [what, rule] = issue.path[0] === 'executors' ? ['executor', EXECUTOR_NAME_RULE] : ['project', PROJECT_NAME_RULE];
    throw new UsageError(`config.json: invalid ${what} name ${JSON.stringify(name.slice(0, 40))}: ${rule}`);
  }
  if (issue.code === 'invalid_type' && where === '') throw new UsageError('config.json: must hold a JSON object');
  if (issue.code === 'invalid_type' && valueAt(raw, issue.path) === undefined) {
    throw new UsageError(`config.json: ${where} is required`);
  }
  const message = issue.message.startsWith('Invalid input') ? `has the wrong type (${issue.message})` : issue.message;
  throw new UsageError(`config.json: ${where || 'the file'} ${message}`);
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}
