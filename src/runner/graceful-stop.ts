import { stopCgroup } from './cgroup.js';
import { groupAlive, groupMembers, isOwnGroup, signalGroup } from './proc.js';
import { pollUntil } from './sleep.js';

/**
 * TERM to the whole group (then CONT, so a stopped process can act on it, as systemd
 * does), wait up to `graceMs` for it to empty, then KILL. Only a group whose leader's
 * start time is known and matches is signalled. Resolves true when the group is gone.
 */
export async function stopGroup(pgid: number, leaderStartTime: number | null | undefined, graceMs: number): Promise<boolean> {
  if (!pgid || !isOwnGroup(pgid, leaderStartTime)) return true;
  signalGroup(pgid, 'SIGTERM');
  signalGroup(pgid, 'SIGCONT');
  const gone = await pollUntil(() => (groupAlive(pgid) ? undefined : true), graceMs, 50);
  if (gone) return true;
  signalGroup(pgid, 'SIGKILL');
  return (await pollUntil(() => (groupAlive(pgid) ? undefined : true), 5000, 20)) ?? false;
}

/** What holds a task's processes: its step's process group and, where it has one, its cgroup. */
export interface Contained {
  pgid: number;
  startTime: number | null;
  cgroup: string | null;
}

/**
 * The one way a task's processes are stopped (a cancel, a timeout, a step that ended with
 * processes left, a dead worker's cleanup): with a cgroup, every process in it, wherever
 * it went (TERM, grace, `cgroup.kill`); the step's process group too, for a step that had
 * not yet moved into its cgroup. `gone` once both are empty; `stopped`: processes found in the cgroup.
 */
export async function stopContained(c: Contained, graceMs: number): Promise<{ gone: boolean; stopped: number }> {
  if (!c.cgroup) {
    const stopped = c.pgid && isOwnGroup(c.pgid, c.startTime) ? groupMembers(c.pgid).length : 0;
    return { gone: await stopGroup(c.pgid, c.startTime, graceMs), stopped };
  }
  const [group, cgroup] = await Promise.all([stopGroup(c.pgid, c.startTime, graceMs), stopCgroup(c.cgroup, graceMs)]);
  return { gone: group && cgroup.gone, stopped: cgroup.stopped };
}
