// Approval gates as data: a stage with `approve: true` stops the task before it
// (`waiting`, no worker, no slot) until a person approves (queued again, in its old
// place: the queue orders by creation) or rejects (cancelled). Pure: the worker,
// `approve`/`reject` and the launch all take their next state from here.
import { taskSteps, type Gate, type RunsOn, type Task } from './task.js';

/** What a gate waits for, in `waitingFor` (and `DEV_TOOLS_WAITING_FOR`). */
export const APPROVAL = 'approval';

/** A worker of this task after an approval: it goes on with the log the earlier one wrote. */
export function resumes(task: Pick<Task, 'gate'>): boolean {
  return Boolean(task.gate?.approvedAt);
}

/** The step a new worker of this task starts at: the gate it was let through, else the first. */
export function firstStep(task: Pick<Task, 'gate'>): number {
  return task.gate?.approvedAt ? task.gate.index : 0;
}

/**
 * The gate before step `index`, if that step needs an approval it does not have yet:
 * the step a worker starts at after an approval is let through.
 */
export function gateAt(task: Pick<Task, 'project' | 'command' | 'stages' | 'isolation' | 'gate'>, index: number): boolean {
  const step = taskSteps(task)[index];
  if (!step?.approve) return false;
  return !(task.gate?.approvedAt && task.gate.index === index);
}

/** Where a task waits runs nothing: no worker, no job (an approval starts a new one). */
function idle(runsOn: RunsOn): RunsOn {
  if (runsOn.kind === 'local') return { kind: 'local' };
  const { pid: _pid, pidStartTime: _start, ...rest } = runsOn as RunsOn & { jobId?: unknown; node?: unknown };
  return ('jobId' in rest ? { ...rest, jobId: null, node: null } : rest) as RunsOn;
}

/** The task waiting at the gate before step `index` (its worker ran `ranMs` of it before stopping there). */
export function waitingAt(task: Task, index: number, now: number, opts: { ranMs?: number; plan?: Gate['plan'] } = {}): Task {
  const steps = taskSteps(task);
  const name = steps[index]?.name ?? String(index + 1);
  const percent = steps.length ? (index / steps.length) * 100 : 0;
  return {
    ...task,
    status: 'waiting',
    waitingFor: APPROVAL,
    gate: { index, count: steps.length, name, since: new Date(now).toISOString(), plan: opts.plan ?? null, approvedAt: null },
    stage: { index, count: steps.length, name, phase: null },
    progress: { percent, message: null, etaSeconds: null, updatedAt: new Date(now).toISOString() },
    runsOn: idle(task.runsOn),
    claimedAt: null,
    commandPid: null,
    commandStartTime: null,
    ranMs: (task.ranMs ?? 0) + (opts.ranMs ?? 0),
  };
}

/** Approved: queued again (in its old place), to run from the gate on. */
export function approved(task: Task, now: number): Task {
  return {
    ...task,
    status: 'queued',
    waitingFor: null,
    gate: task.gate ? { ...task.gate, approvedAt: new Date(now).toISOString() } : null,
    claimedAt: null,
    runsOn: idle(task.runsOn),
  };
}

/** Rejected: it ends `cancelled`, the reason in `error`; nothing after the gate runs. */
export function rejected(task: Task, now: number, reason: string | null): Task {
  return {
    ...task,
    status: 'cancelled',
    waitingFor: null,
    completedAt: new Date(now).toISOString(),
    exitCode: null,
    signal: null,
    error: reason ? `rejected: ${reason}` : 'rejected',
  };
}

/** `stage 2/3 (coder)`: the stage a gate holds back. */
export function gateName(gate: Pick<Gate, 'index' | 'count' | 'name'>): string {
  return `stage ${gate.index + 1}/${gate.count} (${gate.name})`;
}
