// Detached helper: stops a dead worker's command group (TERM, grace, KILL).
import { stopGroup } from './stop-group.js';

const [pgid, leaderStart, grace] = process.argv.slice(2).map(Number);
await stopGroup(pgid!, leaderStart || null, grace ?? 5000);
