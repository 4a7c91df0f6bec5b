import { Ledger, ledgerIds, type LedgerState, type LedgerStep } from '../store/ledger.js';
import type { StatePaths } from '../store/paths.js';
import { stopperInBackground } from './executors/local/worker-process.js';
import { FileLock } from './lock.js';
import { isOwnGroup, isSameProcess, startTimeFromToken } from './proc.js';
import { sleep } from './sleep.js';
import { stopGroup } from './graceful-stop.js';
import { cgroupPopulated } from './cgroup.js';
import { killAndRemoveCgroup, sweepCgroup } from './containment.js';

/** An empty ledger younger than this may be one a worker is creating right now. */
const FRESH_LEDGER_MS = 10_000;

interface LiveGroup {
  step: LedgerStep;
  pgid: number;
  startTime: number;
}

function ledgerOwnerAlive(state: LedgerState): boolean {
  return !!state.worker && isSameProcess(state.worker.pid, state.worker.startTime);
}

/** The recorded groups that are still the task's own (leader start time known and matching). */
export function liveGroups(state: LedgerState): LiveGroup[] {
  const out: LiveGroup[] = [];
  for (const step of state.steps) {
    if (step.pgid === null || step.token === null) continue;
    const startTime = startTimeFromToken(step.token);
    if (startTime !== null && isOwnGroup(step.pgid, startTime)) out.push({ step, pgid: step.pgid, startTime });
  }
  return out;
}

/** Whether something of the task still lives: a recorded group, or a process in its cgroup. */
export function ledgerBusy(state: LedgerState): boolean {
  return liveGroups(state).length > 0 || (!!state.cgroup && cgroupPopulated(state.cgroup));
}

/** The task's cgroup goes if it is empty (its record with it); false while something lives in it. */
function cgroupGone(ledger: Ledger, state: LedgerState): boolean {
  if (!state.cgroup) return true;
  if (cgroupPopulated(state.cgroup) || !killAndRemoveCgroup(state.cgroup, ledger.id)) return false;
  ledger.forgetCgroup();
  return true;
}

/**
 * A ledger whose worker is gone: `go` is removed first, so no step that has not yet
 * checked it will run; only then are the step records read. Records of groups that
 * are gone (or never ran, or are not verifiably ours) are dropped. Returns the live
 * groups left, or null when the worker is alive (the ledger is still its own).
 */
function revokeOrphan(ledger: Ledger, keepWorker = false): Orphan | null {
  const first = ledger.read();
  if (!first) return { groups: [], cgroup: null };
  if (ledgerOwnerAlive(first)) return null;
  if (!first.worker && first.steps.length === 0 && !first.cgroup) {
    // No worker record yet and nothing spawned: a worker may be creating it right now.
    if (first.ageMs >= FRESH_LEDGER_MS) removeLedger(ledger);
    return { groups: [], cgroup: null };
  }
  ledger.revoke();
  const state = ledger.read();
  if (!state) return { groups: [], cgroup: null };
  const live = liveGroups(state);
  const keep = new Set(live.map((g) => g.step.file));
  for (const step of state.steps) if (!keep.has(step.file)) ledger.endStep(step.file);
  // An empty cgroup goes now; one with processes is the stopper's.
  const cgroup = cgroupGone(ledger, state) ? null : state.cgroup;
  if (live.length === 0 && !cgroup && !keepWorker) removeLedger(ledger);
  return { groups: live, cgroup };
}

/** What a ledger whose worker is gone still holds alive. */
interface Orphan {
  groups: LiveGroup[];
  /** Its cgroup, while something lives in it. */
  cgroup: string | null;
}

/** Its groups are gone: the ledger goes (its empty cgroup first), with the lock of a stopper that was killed holding it. */
function removeLedger(ledger: Ledger): void {
  const state = ledger.read();
  if (state && !cgroupGone(ledger, state)) return;
  new FileLock(ledger.stopLockPath).clearIfStale();
  ledger.remove();
}

/**
 * Finds the ledgers whose worker is gone and has their live groups stopped by a
 * detached group stopper (unless one is already at work on it). Returns the ids of
 * tasks with a live command group: they hold a slot until it is gone, whatever their
 * task file says. `running` lists tasks already counted as running (their worker was
 * found alive and tends their ledger: not read); `unreaped`, tasks whose file still
 * says running: their dead worker's record stays for their reaper.
 */
export function sweepLedgers(
  paths: StatePaths,
  graceMs: number,
  running: ReadonlySet<string>,
  unreaped: ReadonlySet<string> = new Set(),
): Set<string> {
  const busy = new Set<string>();
  for (const id of ledgerIds(paths)) {
    // Counted already, its worker found alive (or starting) by the reaper just now: its worker tends its ledger.
    if (running.has(id)) continue;
    const ledger = new Ledger(paths, id);
    const state = ledger.read();
    if (!state) continue;
    // A job's worker and groups live on a node, with that node's pids: its cluster stops them when
    // the job ends, and its reaper removes the ledger of a job that ended (executors/jobs.ts).
    if (state.worker?.job) continue;
    if (ledgerOwnerAlive(state)) {
      // Its worker tends it; a task no longer `running` still holds a slot while a group (or its cgroup) lives.
      if (ledgerBusy(state)) busy.add(id);
      continue;
    }
    const live = revokeOrphan(ledger, unreaped.has(id));
    if (!live || (live.groups.length === 0 && !live.cgroup)) continue;
    busy.add(id);
    if (!new FileLock(ledger.stopLockPath).heldByLiveOwner()) stopperInBackground(paths.home, id, graceMs);
  }
  return busy;
}

/**
 * Stops every live group of a ledger whose worker is gone (TERM, grace, KILL) and
 * removes the ledger once they are gone. Used by the detached group stopper and, to
 * return only when the processes are gone, by cancel. Another stopper at work on the
 * same ledger is waited for instead. True when no group of the task is left.
 */
export async function stopOrphanedGroups(paths: StatePaths, id: string, graceMs: number, timeoutMs = graceMs + 10_000): Promise<boolean> {
  const ledger = new Ledger(paths, id);
  const lock = new FileLock(ledger.stopLockPath);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!ledger.read()) return true; // no ledger: nothing of the task was ever spawned, or it is all gone
    try {
      if (lock.tryOnce()) break;
    } catch (err) {
      // The folder went away meanwhile: its groups are gone.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
    const state = ledger.read();
    if (!state || !ledgerBusy(state)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  try {
    for (let round = 0; round < 3; round++) {
      const live = revokeOrphan(ledger);
      if (live === null) return false; // its worker is alive after all: it stops its own
      if (live.groups.length === 0 && !live.cgroup) return true;
      const grace = round === 0 ? graceMs : 0;
      await Promise.all([
        ...live.groups.map((g) => stopGroup(g.pgid, g.startTime, grace)),
        ...(live.cgroup ? [sweepCgroup(live.cgroup, id, grace)] : []),
      ]);
    }
    const state = ledger.read();
    return !state || !ledgerBusy(state);
  } finally {
    lock.release();
    ledger.removeFolder();
  }
}
