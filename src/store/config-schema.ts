import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { copyPathProblem } from '../core/diff.js';
import { sbatchArgProblem } from '../core/slurm.js';
import { LOCAL_EXECUTOR, PROJECT_NAME_RE, PROJECT_NAME_RULE } from '../core/task.js';
import type { Config } from './config.js';

const stage = z.strictObject({
  name: z.string().min(1, 'must be a non-empty string'),
  run: z.string().min(1, 'must be a non-empty shell line'),
});

const project = z.strictObject({
  cwd: z.string().min(1, 'must be a non-empty path').optional(),
  env: z.record(z.string(), z.string('must be a string')).default({}),
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
});

const slurm = z.strictObject({
  type: z.literal('slurm', 'must be "slurm" (the only executor type besides the built-in "local")'),
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

const EXECUTOR_NAME_RE = new RegExp(`^(?!${LOCAL_EXECUTOR}$)${PROJECT_NAME_RE.source.slice(1)}`);
const EXECUTOR_NAME_RULE = `executor names are 1-64 letters, digits, ".", "_" and "-" (and not "${LOCAL_EXECUTOR}": it is built in)`;

const schema = z.strictObject({
  maxParallelTasks: z.int('must be a positive integer').positive('must be a positive integer').default(10),
  cancelGraceMs: z
    .int('must be a non-negative integer (milliseconds)')
    .nonnegative('must be a non-negative integer (milliseconds)')
    .default(5000),
  onFinish: z.string('must be a shell line (a string)').optional(),
  executors: z.record(z.string().regex(EXECUTOR_NAME_RE, EXECUTOR_NAME_RULE), slurm).default({}),
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
  const result = schema.safeParse(raw);
  if (result.success) return result.data as Config;
  const issue = result.error.issues[0]!;
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (where ? `${where}.${k}` : k)).join(', ');
    throw new UsageError(`config.json: unknown key ${keys}`);
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
