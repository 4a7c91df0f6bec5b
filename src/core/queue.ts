// Which queued tasks may start: one pure function the scheduler calls under its lock
// and the views call to say why a task waits. Dependencies, pauses, per-project
// limits, the global limit and priority all live here, so a new rule is one place.
import { UsageError } from './errors.js';
import { compareTasks, isFinal, type Task, type TaskStatus } from './task.js';
import { parseDuration } from './units.js';

/** Paused scopes, as the state dir's `paused.json` holds them. */
export interface PauseState {
  /** Every project. */
  all: boolean;
  projects: string[];
}

export const NOT_PAUSED: PauseState = { all: false, projects: [] };

export function isPaused(pause: PauseState, project: string): boolean {
  return pause.all || pause.projects.includes(project);
}

/** `paused: all projects`, `paused: web, api`, or null. */
export function describePause(state: PauseState): string | null {
  if (state.all) return `paused: all projects${state.projects.length ? ` (and ${state.projects.join(', ')})` : ''}`;
  return state.projects.length ? `paused: ${state.projects.join(', ')}` : null;
}

/** What is known of a dependency: its status, and its job if it waits in a cluster's queue. */
export interface DependencyState {
  status: TaskStatus;
  /** Its job, once submitted (a task of an executor with a queue of its own). */
  jobId?: string | null;
  /** It waits in a cluster's queue rather than dev-tools'. */
  remote?: boolean;
}

/** Why a queued task does not start now. */
export type QueueReason =
  | { kind: 'after'; ids: string[] }
  | { kind: 'paused'; scope: 'all' | 'project' }
  | { kind: 'project-full'; limit: number }
  | { kind: 'slots' };

export interface QueueInput {
  /** Queued tasks not yet claimed (local ones; and those of a cluster with `remote`). */
  queued: readonly Task[];
  /** Tasks holding a slot now, by project. */
  busy: Readonly<Record<string, number>>;
  maxParallel: number;
  /** A project's own `maxParallel`, if it has one. */
  projectLimit: (project: string) => number | undefined;
  pause: PauseState;
  /** A dependency's state; null when no such task exists. */
  dependency: (id: string) => DependencyState | null;
  /** Tasks that wait in a cluster's queue: they hold no slot, and may be submitted with their cluster dependencies. */
  remote?: (task: Task) => boolean;
}

export interface QueuePlan {
  /** In the order they may start. */
  start: Task[];
  /** Tasks that can never run: a dependency ended without completing (or is gone). */
  fail: { task: Task; error: string }[];
  /** Why each of the others waits. */
  waiting: Map<string, QueueReason>;
  /** For a cluster task in `start`, the jobs of its dependencies still to complete (its cluster holds it until then). */
  jobAfter: Map<string, string[]>;
}

/** Higher priority first; ties in launch order. */
export function compareQueued(a: Task, b: Task): number {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  return pa !== pb ? pb - pa : compareTasks(a, b);
}

type Verdict = { ok: true; jobs: string[] } | { ok: false; wait: string[] } | { fail: string };

/**
 * Whether a task's dependencies let it run: all completed (`ok`), one ended otherwise
 * (`fail`, naming it), or some still to end (`wait`). A cluster task whose pending
 * dependencies are all cluster jobs already submitted is `ok` with those jobs.
 */
export function dependencyVerdict(task: Pick<Task, 'after'>, dependency: QueueInput['dependency'], remote = false): Verdict {
  const wait: string[] = [];
  const jobs: string[] = [];
  for (const id of task.after ?? []) {
    const dep = dependency(id);
    if (!dep) return { fail: `dependency ${id} no longer exists` };
    if (dep.status === 'completed') continue;
    if (isFinal(dep.status)) return { fail: `dependency ${id} ${dep.status === 'failed' ? 'failed' : `was ${dep.status}`}` };
    if (remote && dep.remote && dep.jobId) jobs.push(dep.jobId);
    else wait.push(id);
  }
  return wait.length ? { ok: false, wait } : { ok: true, jobs };
}

/**
 * Plans one scheduler step: which queued tasks start (highest priority first, then in
 * launch order), which fail for a dependency, and why the rest wait. A task held back by
 * its dependencies, a pause or its project's limit never holds back the tasks behind it;
 * only the global limit does (for tasks that need a slot).
 */
export function planQueue(input: QueueInput): QueuePlan {
  const plan: QueuePlan = { start: [], fail: [], waiting: new Map(), jobAfter: new Map() };
  const failed = new Map<string, DependencyState>();
  const dependency = (id: string) => failed.get(id) ?? input.dependency(id);
  const sorted = [...input.queued].sort(compareQueued);
  // A failure cascades down a chain in one step: later passes see the tasks failed before.
  let pending = sorted;
  for (let changed = true; changed;) {
    changed = false;
    const rest: Task[] = [];
    for (const task of pending) {
      const v = task.after?.length ? dependencyVerdict(task, dependency) : null;
      if (v && 'fail' in v) {
        plan.fail.push({ task, error: v.fail });
        failed.set(task.id, { status: 'failed' });
        changed = true;
      } else rest.push(task);
    }
    pending = rest;
  }
  const busy: Record<string, number> = { ...input.busy };
  let total = Object.values(busy).reduce((a, b) => a + b, 0);
  for (const task of pending) {
    const remote = input.remote?.(task) ?? false;
    const v = task.after?.length ? dependencyVerdict(task, dependency, remote) : null;
    if (v && 'wait' in v) {
      plan.waiting.set(task.id, { kind: 'after', ids: v.wait });
      continue;
    }
    if (isPaused(input.pause, task.project)) {
      plan.waiting.set(task.id, { kind: 'paused', scope: input.pause.all ? 'all' : 'project' });
      continue;
    }
    if (remote) {
      plan.start.push(task);
      if (v && 'jobs' in v && v.jobs.length) plan.jobAfter.set(task.id, v.jobs);
      continue;
    }
    const limit = input.projectLimit(task.project);
    if (limit !== undefined && (busy[task.project] ?? 0) >= limit) {
      plan.waiting.set(task.id, { kind: 'project-full', limit });
      continue;
    }
    if (total >= input.maxParallel) {
      plan.waiting.set(task.id, { kind: 'slots' });
      continue;
    }
    plan.start.push(task);
    busy[task.project] = (busy[task.project] ?? 0) + 1;
    total++;
  }
  return plan;
}

/** A reason in the table's words (STAGE): `⧗ after 3k9x`, `⧗ paused`, `⧗ web full (2)`. */
export function formatQueueReason(reason: QueueReason, project: string): string {
  switch (reason.kind) {
    case 'after':
      return `⧗ after ${reason.ids.map((id) => id.slice(0, 4)).join(',')}`;
    case 'paused':
      return reason.scope === 'all' ? '⧗ paused (all)' : '⧗ paused';
    case 'project-full':
      return `⧗ ${project} full (${reason.limit})`;
    case 'slots':
      return '⧗ no free slot';
  }
}

/**
 * A cycle among the tasks reachable through `after` links from `after` (the dependencies
 * of task `id`, which may not exist yet), as ids (`a → b → a`); null when there is none.
 * A task on a cycle would wait forever, and so would everything after it.
 */
export function dependencyCycle(id: string, after: readonly string[], afterOf: (id: string) => readonly string[] | null): string[] | null {
  const done = new Set<string>();
  const path: string[] = [id];
  const walk = (at: string): string[] | null => {
    const on = path.indexOf(at);
    if (on >= 0) return [...path.slice(on), at];
    if (done.has(at)) return null;
    path.push(at);
    for (const next of afterOf(at) ?? []) {
      const found = walk(next);
      if (found) return found;
    }
    path.pop();
    done.add(at);
    return null;
  };
  for (const dep of after) {
    const found = walk(dep);
    if (found) return found;
  }
  return null;
}

/** More attempts than this is a loop, not a retry policy. */
export const MAX_RETRIES = 100;

/** Seconds before attempt `next` (2 for the first retry) under a `retryDelay`. */
export function retryDelaySeconds(delay: number | 'exp' | undefined, next: number): number {
  if (delay === 'exp') return Math.min(3600, 2 ** Math.max(0, next - 2));
  return delay ?? 0;
}

/** A limit as it was given: `90s`, `10m`, `2h`, `1h30m`. */
export function formatLimit(seconds: number): string {
  const s = Math.round(seconds);
  const parts: string[] = [];
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (r || parts.length === 0) parts.push(`${r}s`);
  return parts.join('');
}

/** The queue's controls of a launch: `--after` ids or prefixes as typed, the others as numbers (seconds for the timeout). */
export interface QueueSpec {
  after?: string[];
  priority?: number;
  timeout?: number;
  retries?: number;
}

/** The options as typed (the CLI's, or the launch form's line), each checked: a UsageError names what is wrong. */
export interface QueueOptionText {
  after?: string[];
  priority?: string;
  timeout?: string;
  retries?: string;
}

const PRIORITY_LIMIT = 1_000_000;

/** An integer as typed (`-3`, `10`), or a usage error naming the option. */
export function parseInteger(option: string, text: string, min: number, max: number): number {
  const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text.slice(0, 40))}`);
  }
  return n;
}

export function parsePriority(option: string, text: string): number {
  return parseInteger(option, text, -PRIORITY_LIMIT, PRIORITY_LIMIT);
}

export function queueSpecOf(opts: QueueOptionText): QueueSpec {
  const spec: QueueSpec = {};
  if (opts.after?.length) spec.after = opts.after;
  if (opts.priority !== undefined) spec.priority = parsePriority('--priority', opts.priority);
  if (opts.timeout !== undefined) {
    const seconds = parseDuration(opts.timeout);
    if (seconds === null || seconds <= 0) {
      throw new UsageError(`--timeout must be a duration such as 90s, 10m or 2h, not ${JSON.stringify(opts.timeout.slice(0, 40))}`);
    }
    spec.timeout = seconds;
  }
  if (opts.retries !== undefined) spec.retries = parseInteger('--retries', opts.retries, 0, MAX_RETRIES);
  return spec;
}

/** The launch form's line, as the CLI's words: `--after 3k9x,q7zp --priority 5 --timeout 10m --retries 2` (`--name=value` too). */
export function parseQueueLine(line: string): QueueSpec {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const opts: QueueOptionText = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq) : word;
    const value = eq > 0 ? word.slice(eq + 1) : words[++i];
    if (!['--after', '--priority', '--timeout', '--retries'].includes(name)) {
      throw new UsageError(
        `unknown option ${JSON.stringify(name.slice(0, 40))}: --after, --priority, --timeout and --retries are taken here`,
      );
    }
    if (value === undefined) throw new UsageError(`${name} needs a value`);
    if (name === '--after') opts.after = [...(opts.after ?? []), value];
    else opts[name.slice(2) as 'priority' | 'timeout' | 'retries'] = value;
  }
  return queueSpecOf(opts);
}
