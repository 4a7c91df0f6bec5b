import { groupAlive, isOwnGroup, signalGroup } from './proc.js';
import { pollUntil } from './sleep.js';

/**
 * TERM to the whole group, wait up to `graceMs` for it to empty, then KILL.
 * Resolves when the group is gone (or after a bounded wait past KILL).
 */
export async function stopGroup(pgid: number, leaderStartTime: number | null, graceMs: number): Promise<void> {
  if (!pgid || !isOwnGroup(pgid, leaderStartTime)) return;
  signalGroup(pgid, 'SIGTERM');
  // A stopped process cannot act on TERM until continued.
  signalGroup(pgid, 'SIGCONT');
  const gone = await pollUntil(() => (groupAlive(pgid) ? undefined : true), graceMs, 50);
  if (gone) return;
  signalGroup(pgid, 'SIGKILL');
  await pollUntil(() => (groupAlive(pgid) ? undefined : true), 5000, 20);
}
