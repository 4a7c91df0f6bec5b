import { groupAlive, isOwnGroup, signalGroup } from './proc.js';
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
