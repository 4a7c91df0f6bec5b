// Durations and sizes: read as a user types them, shown as people read them.

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** "90s", "15m", "2h", "7d", "1w", "1d12h" → seconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const s = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[smhdw])+$/.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

/** 3s, 4m05s, 2h03m, 3d04h. Unknown stays unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  const d = Math.floor(h / 24);
  return `${d}d${String(h % 24).padStart(2, '0')}h`;
}

const AGO_STEPS: [limit: number, unit: number, suffix: string][] = [
  [60, 1, 's'],
  [3600, 60, 'm'],
  [86400, 3600, 'h'],
  [Infinity, 86400, 'd'],
];
/** Under this many seconds a time reads `just now`. */
const JUST_NOW = 5;

/**
 * `just now`, `12s ago`, `3m ago`, `2h ago`, `4d ago`: the one way a relative time reads
 * (the table's STARTED and ENDED, the detail view), right to the unit shown.
 */
export function formatAgo(ms: number, now: number): string {
  const s = Math.floor((now - ms) / 1000);
  if (s < JUST_NOW) return 'just now';
  const [, unit, suffix] = AGO_STEPS.find(([limit]) => s < limit)!;
  return `${Math.floor(s / unit)}${suffix} ago`;
}

/** When `formatAgo(ms, …)` next reads differently, after `now` (ms). */
export function agoChangesAt(ms: number, now: number): number {
  const s = Math.floor((now - ms) / 1000);
  if (s < JUST_NOW) return ms + JUST_NOW * 1000;
  const [, unit] = AGO_STEPS.find(([limit]) => s < limit)!;
  return ms + (Math.floor(s / unit) + 1) * unit * 1000;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** `2G`, `512M`, `1.5GiB`, `100000` (bytes): a size in bytes, or null. K/M/G/T are powers of 1024, as in cgroups and Slurm. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) return null;
  const power = ' KMGT'.indexOf((m[2] || ' ').toUpperCase());
  const bytes = Math.floor(Number(m[1]) * 1024 ** power);
  return bytes > 0 ? bytes : null;
}

/** A size in a narrow cell: `812K`, `210M`, `1.2G`. */
export function formatBytesShort(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i > 0 && v < 10 ? v.toFixed(1) : Math.round(v)}${units[i]}`;
}
