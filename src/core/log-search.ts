// Search in the loaded part of a log, as less does: plain text, case-insensitive unless
// the query holds a capital (smartcase), every occurrence a match, n/N wrap around.

export interface LogMatch {
  line: number;
  start: number;
  end: number;
}

/** Beyond this many matches the rest are not counted (a one-letter query over 5000 lines). */
export const MAX_MATCHES = 10_000;

export function isCaseSensitive(query: string): boolean {
  return query !== query.toLowerCase();
}

/** Every occurrence of `query` in `lines`, in order; `complete` is false when MAX_MATCHES cut it short. */
export function findMatches(lines: readonly string[], query: string, max = MAX_MATCHES): { matches: LogMatch[]; complete: boolean } {
  const matches: LogMatch[] = [];
  if (query === '') return { matches, complete: true };
  const sensitive = isCaseSensitive(query);
  const needle = sensitive ? query : query.toLowerCase();
  for (let line = 0; line < lines.length; line++) {
    const raw = lines[line]!;
    const hay = sensitive ? raw : raw.toLowerCase();
    // toLowerCase keeps lengths for nearly all text; where it does not, search the raw line.
    const text = hay.length === raw.length ? hay : raw;
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + Math.max(1, needle.length))) {
      if (matches.length >= max) return { matches, complete: false };
      matches.push({ line, start: at, end: at + needle.length });
    }
  }
  return { matches, complete: true };
}

/** The first match on or after `line` (wrapping to the first), or -1 when there is none. */
export function firstMatchFrom(matches: readonly LogMatch[], line: number): number {
  if (matches.length === 0) return -1;
  const i = matches.findIndex((m) => m.line >= line);
  return i === -1 ? 0 : i;
}

/** The next (`+1`) or previous (`-1`) match from `current`, wrapping around; `wrapped` says it went past an end. */
export function stepMatch(count: number, current: number, direction: 1 | -1): { index: number; wrapped: boolean } {
  if (count === 0) return { index: -1, wrapped: false };
  if (current < 0) return { index: direction === 1 ? 0 : count - 1, wrapped: false };
  const next = current + direction;
  if (next >= count) return { index: 0, wrapped: true };
  if (next < 0) return { index: count - 1, wrapped: true };
  return { index: next, wrapped: false };
}

/** A line cut into plain and matched pieces, for highlighting; `current` marks the match n/N is on. */
export function highlightSegments(
  text: string,
  onLine: readonly { start: number; end: number; current: boolean }[],
): { text: string; match: boolean; current: boolean }[] {
  const out: { text: string; match: boolean; current: boolean }[] = [];
  let at = 0;
  for (const m of onLine) {
    if (m.start < at || m.start >= text.length) continue;
    if (m.start > at) out.push({ text: text.slice(at, m.start), match: false, current: false });
    out.push({ text: text.slice(m.start, m.end), match: true, current: m.current });
    at = m.end;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at), match: false, current: false });
  return out;
}
