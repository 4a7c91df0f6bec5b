// What a task's processes use, as `status`, the dashboard and the detail view show it.
import type { Task } from './task.js';
import { formatBytesShort, formatDuration } from './units.js';

/** The CPU cell: percent of one core over the last interval, while it runs; `-` otherwise. */
export function cpuCell(task: Pick<Task, 'status' | 'resources'>): string {
  const pct = task.status === 'running' ? task.resources?.cpuPercent : null;
  return pct === null || pct === undefined || !Number.isFinite(pct) ? '-' : `${Math.round(pct)}%`;
}

/** The MEM cell: the memory it holds now, while it runs; `-` otherwise. */
export function memCell(task: Pick<Task, 'status' | 'resources'>): string {
  const bytes = task.status === 'running' ? task.resources?.memoryBytes : null;
  return bytes === null || bytes === undefined || !Number.isFinite(bytes) ? '-' : formatBytesShort(bytes);
}

/** `12.4 s CPU (85% now) · 210M held · peak 1.2G`; `-` when nothing was measured (a Slurm job without accounting). */
export function resourcesLine(task: Pick<Task, 'status' | 'resources'>): string {
  const r = task.resources;
  if (!r) return '-';
  const cpu = r.cpuSeconds < 60 ? `${r.cpuSeconds.toFixed(1)} s` : formatDuration(r.cpuSeconds);
  const now = task.status === 'running' && r.cpuPercent !== null && r.cpuPercent !== undefined ? ` (${Math.round(r.cpuPercent)}% now)` : '';
  const held = task.status === 'running' ? ` · ${formatBytesShort(r.memoryBytes)} held` : '';
  return `${cpu} CPU${now}${held} · peak ${formatBytesShort(r.peakMemoryBytes)}`;
}

/** `cgroup`, `process group (setsid escapees are not stopped)`: how its processes were held, for the detail view. */
export function containmentLine(task: Pick<Task, 'containment'>): string {
  if (task.containment === 'cgroup') return 'cgroup (every process it starts is stopped with it)';
  if (task.containment === 'process-group') return 'process groups (a process that leaves them with setsid is not stopped)';
  return '-';
}
