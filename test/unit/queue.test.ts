import { describe, expect, it } from 'vitest';
import {
  dependencyCycle,
  formatLimit,
  formatQueueReason,
  NOT_PAUSED,
  planQueue,
  retryDelaySeconds,
  type DependencyState,
  type QueueInput,
} from '../../src/core/queue.js';
import type { Task, TaskStatus } from '../../src/core/task.js';
import { makeTask } from '../fixtures/index.js';

let clock = 0;
/** A queued task, launched after the ones made before it. */
function queued(id: string, fields: Partial<Task> = {}): Task {
  clock++;
  return { ...makeTask({ id, status: 'queued', createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, clock)).toISOString() }), ...fields };
}

function input(tasks: Task[], extra: Partial<QueueInput> = {}, deps: Record<string, DependencyState> = {}): QueueInput {
  return {
    queued: tasks,
    busy: {},
    maxParallel: 10,
    projectLimit: () => undefined,
    pause: NOT_PAUSED,
    dependency: (id) => deps[id] ?? null,
    ...extra,
  };
}

const ids = (ts: Task[]) => ts.map((t) => t.id);
const dep = (status: TaskStatus, more: Partial<DependencyState> = {}): DependencyState => ({ status, ...more });

describe('planQueue', () => {
  it('starts in launch order while the global limit has room, higher priority first', () => {
    const [a, b, c, d] = [queued('a'), queued('b'), queued('c', { priority: 5 }), queued('d', { priority: -1 })];
    const plan = planQueue(input([a!, b!, c!, d!], { maxParallel: 3, busy: { web: 1 } }));
    expect(ids(plan.start)).toEqual(['c', 'a']);
    expect(plan.waiting.get('b')).toEqual({ kind: 'slots' });
    expect(plan.waiting.get('d')).toEqual({ kind: 'slots' });
  });

  it("a project at its own limit does not hold back other projects' tasks behind it", () => {
    const tasks = [queued('w1'), queued('w2'), queued('a1', { project: 'api' }), queued('w3')];
    const plan = planQueue(input(tasks, { busy: { web: 1 }, projectLimit: (p) => (p === 'web' ? 2 : undefined) }));
    expect(ids(plan.start)).toEqual(['w1', 'a1']);
    expect(plan.waiting.get('w2')).toEqual({ kind: 'project-full', limit: 2 });
    expect(plan.waiting.get('w3')).toEqual({ kind: 'project-full', limit: 2 });
  });

  it('waits for dependencies that have not ended, runs once all completed', () => {
    const tasks = [queued('t1', { after: ['b1', 'b2'] }), queued('t2', { after: ['b1'] })];
    const plan = planQueue(input(tasks, {}, { b1: dep('completed'), b2: dep('running') }));
    expect(ids(plan.start)).toEqual(['t2']);
    expect(plan.waiting.get('t1')).toEqual({ kind: 'after', ids: ['b2'] });
  });

  it('fails a task whose dependency failed, was cancelled, interrupted or is gone, naming it; down the whole chain at once', () => {
    const tasks = [
      queued('c', { after: ['b'] }),
      queued('b', { after: ['a'] }),
      queued('x', { after: ['k'] }),
      queued('y', { after: ['i'] }),
      queued('z', { after: ['gone'] }),
    ];
    const plan = planQueue(input(tasks, {}, { a: dep('failed'), b: dep('queued'), k: dep('cancelled'), i: dep('interrupted') }));
    const fails = Object.fromEntries(plan.fail.map((f) => [f.task.id, f.error]));
    expect(fails).toEqual({
      b: 'dependency a failed',
      c: 'dependency b failed',
      x: 'dependency k was cancelled',
      y: 'dependency i was interrupted',
      z: 'dependency gone no longer exists',
    });
    expect(plan.start).toEqual([]);
  });

  it('holds paused scopes, and a dependency wait is said before the pause', () => {
    const tasks = [queued('w'), queued('a', { project: 'api' }), queued('d', { project: 'api', after: ['r'] })];
    const byProject = planQueue(input(tasks, { pause: { all: false, projects: ['api'] } }, { r: dep('running') }));
    expect(ids(byProject.start)).toEqual(['w']);
    expect(byProject.waiting.get('a')).toEqual({ kind: 'paused', scope: 'project' });
    expect(byProject.waiting.get('d')).toEqual({ kind: 'after', ids: ['r'] });
    const all = planQueue(input(tasks, { pause: { all: true, projects: [] } }, { r: dep('running') }));
    expect(all.start).toEqual([]);
    expect(all.waiting.get('w')).toEqual({ kind: 'paused', scope: 'all' });
  });

  it('a cluster task whose pending dependencies are all submitted jobs starts now, held by its cluster with their jobs', () => {
    const remote = (id: string, after: string[]) => queued(id, { after });
    const tasks = [remote('r1', ['j1', 'j2']), remote('r2', ['j1', 'local']), remote('r3', ['unsubmitted'])];
    const plan = planQueue(
      input(
        tasks,
        { remote: () => true, maxParallel: 0 },
        {
          j1: dep('queued', { remote: true, jobId: '41' }),
          j2: dep('completed', { remote: true, jobId: '42' }),
          local: dep('running'),
          unsubmitted: dep('queued', { remote: true, jobId: null }),
        },
      ),
    );
    expect(ids(plan.start)).toEqual(['r1']);
    expect(plan.jobAfter.get('r1')).toEqual(['41']);
    expect(plan.waiting.get('r2')).toEqual({ kind: 'after', ids: ['local'] });
    expect(plan.waiting.get('r3')).toEqual({ kind: 'after', ids: ['unsubmitted'] });
  });
});

describe('dependencyCycle', () => {
  const graph: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['e'], e: [] };
  it('finds a cycle reachable from the dependencies, and none where there is none', () => {
    expect(dependencyCycle('new', ['d'], (id) => graph[id] ?? null)).toBeNull();
    expect(dependencyCycle('new', ['d', 'a'], (id) => graph[id] ?? null)).toEqual(['a', 'b', 'c', 'a']);
    expect(dependencyCycle('x', ['y'], (id) => (id === 'y' ? ['x'] : null))).toEqual(['x', 'y', 'x']);
  });
});

describe('words', () => {
  it('formats limits as they are typed, reasons as STAGE shows them, and exponential delays', () => {
    expect([formatLimit(90), formatLimit(600), formatLimit(7200), formatLimit(5400)]).toEqual(['1m30s', '10m', '2h', '1h30m']);
    expect(formatQueueReason({ kind: 'after', ids: ['3k9xabcd'] }, 'web')).toBe('⧗ after 3k9x');
    expect(formatQueueReason({ kind: 'project-full', limit: 2 }, 'web')).toBe('⧗ web full (2)');
    expect([2, 3, 4, 5].map((n) => retryDelaySeconds('exp', n))).toEqual([1, 2, 4, 8]);
    expect(retryDelaySeconds(undefined, 2)).toBe(0);
    expect(retryDelaySeconds(30, 3)).toBe(30);
  });
});
