import { TaskError } from './errors.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ID_LENGTH = 8;

/** A random 8-char id; `randomBytes` is passed in so core stays free of crypto and IO. */
export function makeId(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(ID_LENGTH * 2);
  let id = '';
  for (const b of bytes) {
    // 252 = 7 * 36: reject the tail so every character is equally likely.
    if (b >= 252) continue;
    id += ALPHABET[b % 36];
    if (id.length === ID_LENGTH) return id;
  }
  return id.length === ID_LENGTH ? id : makeId(randomBytes);
}

const PREFIX_RE = /^[a-z0-9]{1,8}$/;

/** Could this be an id (or a prefix of one)? The one test used for input and for file names. */
export function isIdPrefix(text: string): boolean {
  return PREFIX_RE.test(text);
}

/** Rejects anything that is not a possible id prefix (path separators, dots, empty, too long). */
export function checkIdInput(input: string): void {
  if (!isIdPrefix(input)) {
    const shown = input.length > 40 ? `${input.slice(0, 40)}…` : input;
    throw new TaskError(`invalid task id ${JSON.stringify(shown)}: ids are 1-8 characters of a-z and 0-9`);
  }
}

/** Ids are lower case; `MH3K` typed from a screen or a caps-locked keyboard means `mh3k`. */
export function normalizeIdInput(input: string): string {
  return /^[A-Za-z0-9]+$/.test(input) ? input.toLowerCase() : input;
}

/** Resolves a unique prefix against the known ids, as git and docker do. */
export function resolveIdPrefix(rawInput: string, ids: Iterable<string>): string {
  const input = normalizeIdInput(rawInput);
  checkIdInput(input);
  const matches: string[] = [];
  for (const id of ids) {
    if (id === input) return id;
    if (id.startsWith(input)) matches.push(id);
  }
  if (matches.length === 0) throw new TaskError(`no task matches id "${input}"`);
  if (matches.length > 1) {
    matches.sort();
    const list = matches.slice(0, 5).join(', ') + (matches.length > 5 ? ', …' : '');
    throw new TaskError(`id "${input}" is ambiguous: it matches ${list}`);
  }
  return matches[0]!;
}
