// Detached helper: `group-stopper.cjs <stateHome> <taskId> <graceMs>` stops the command
// groups left in the ledger of a task whose worker is gone (TERM, grace, KILL).
import { statePaths } from '../../store/paths.js';
import { stopOrphanedGroups } from '../orphans.js';

const [home, id, grace] = process.argv.slice(2);
// A stopper already at work on this ledger is left to it (waiting at most a second for its lock).
if (home && id) void stopOrphanedGroups(statePaths(home), id, Number(grace) || 0, 1000);
