/**
 * Terminal cells a string takes, as Ink (string-width) and terminals count them:
 * East Asian wide and fullwidth characters and emoji take two, combining marks,
 * joiners and variation selectors none. string-width itself costs ~40 ms to
 * import (its emoji regexes), too much for `status`; this covers the same cases
 * with a range table and no import.
 */

// East Asian Width W and F (Unicode 16, as in get-east-asian-width 1.7), merged, inclusive pairs.
const WIDE = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x2630,
  0x2637, 0x2648, 0x2653, 0x267f, 0x267f, 0x268a, 0x268f, 0x2693, 0x2693, 0x26a1, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5,
  0x26ce, 0x26ce, 0x26d4, 0x26d4, 0x26ea, 0x26ea, 0x26f2, 0x26f3, 0x26f5, 0x26f5, 0x26fa, 0x26fa, 0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a,
  0x270b, 0x2728, 0x2728, 0x274c, 0x274c, 0x274e, 0x274e, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797, 0x27b0, 0x27b0, 0x27bf, 0x27bf,
  0x2b1b, 0x2b1c, 0x2b50, 0x2b50, 0x2b55, 0x2b55, 0x2e80, 0x2e99, 0x2e9b, 0x2ef3, 0x2f00, 0x2fd5, 0x2ff0, 0x2fff, 0x3000, 0x303e, 0x3041,
  0x3096, 0x3099, 0x30ff, 0x3105, 0x312f, 0x3131, 0x318e, 0x3190, 0x31e5, 0x31ef, 0x321e, 0x3220, 0x3247, 0x3250, 0xa48c, 0xa490, 0xa4c6,
  0xa960, 0xa97c, 0xac00, 0xd7a3, 0xf900, 0xfaff, 0xfe10, 0xfe19, 0xfe30, 0xfe52, 0xfe54, 0xfe66, 0xfe68, 0xfe6b, 0xff01, 0xff60, 0xffe0,
  0xffe6, 0x16fe0, 0x16fe4, 0x16ff0, 0x16ff6, 0x17000, 0x18cda, 0x18cff, 0x18d20, 0x18d80, 0x18df2, 0x18e00, 0x19191, 0x191a0, 0x191d2,
  0x1aff0, 0x1aff3, 0x1aff5, 0x1affb, 0x1affd, 0x1affe, 0x1b000, 0x1b128, 0x1b132, 0x1b132, 0x1b150, 0x1b152, 0x1b155, 0x1b155, 0x1b164,
  0x1b168, 0x1b170, 0x1b2fb, 0x1d300, 0x1d356, 0x1d360, 0x1d376, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e, 0x1f18e, 0x1f191, 0x1f19a,
  0x1f1ae, 0x1f1ae, 0x1f200, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248, 0x1f250, 0x1f251, 0x1f260, 0x1f265, 0x1f300, 0x1f320, 0x1f32d,
  0x1f335, 0x1f337, 0x1f37c, 0x1f37e, 0x1f393, 0x1f3a0, 0x1f3ca, 0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0, 0x1f3f4, 0x1f3f4, 0x1f3f8, 0x1f43e,
  0x1f440, 0x1f440, 0x1f442, 0x1f4fc, 0x1f4ff, 0x1f53d, 0x1f54b, 0x1f54e, 0x1f550, 0x1f567, 0x1f57a, 0x1f57a, 0x1f595, 0x1f596, 0x1f5a4,
  0x1f5a4, 0x1f5fb, 0x1f64f, 0x1f680, 0x1f6c5, 0x1f6cc, 0x1f6cc, 0x1f6d0, 0x1f6d2, 0x1f6d5, 0x1f6d9, 0x1f6dc, 0x1f6df, 0x1f6eb, 0x1f6ec,
  0x1f6f4, 0x1f6fc, 0x1f7da, 0x1f7da, 0x1f7e0, 0x1f7eb, 0x1f7f0, 0x1f7f0, 0x1f90c, 0x1f93a, 0x1f93c, 0x1f945, 0x1f947, 0x1f9ff, 0x1fa70,
  0x1fa7c, 0x1fa80, 0x1fac6, 0x1fac8, 0x1fac8, 0x1facc, 0x1fadd, 0x1fadf, 0x1faeb, 0x1faef, 0x1fafa, 0x20000, 0x2fffd, 0x30000, 0x3fffd,
];

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  if (cp >= 0x4e00 && cp <= 0x9fff) return true; // the common CJK block, without a search
  let lo = 0;
  let hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE[mid * 2]!) hi = mid - 1;
    else if (cp > WIDE[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

// Created on first use: compiling Unicode property classes is not free.
let zeroWidthRe: RegExp | null = null;
let pictographicRe: RegExp | null = null;

function isZeroWidth(ch: string, cp: number): boolean {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return true;
  if (cp < 0x300) return cp === 0xad;
  zeroWidthRe ??= /^[\p{Mn}\p{Me}\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
  return zeroWidthRe.test(ch);
}

const isRegionalIndicator = (cp: number) => cp >= 0x1f1e6 && cp <= 0x1f1ff;
const isSkinTone = (cp: number) => cp >= 0x1f3fb && cp <= 0x1f3ff;
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** One character's width step: how many cells `ch` adds after what came before it. */
interface Scan {
  width: number;
  /** Width of the current cluster's base character (for VS16 and skin tones). */
  base: number;
  baseChar: string;
  afterJoiner: boolean;
  pendingFlag: boolean;
}

function step(s: Scan, ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (s.afterJoiner) {
    // Joined to the previous emoji (ZWJ sequence): one picture, already counted.
    s.afterJoiner = false;
    if (!isZeroWidth(ch, cp)) return 0;
  }
  if (cp === 0x200d) {
    s.afterJoiner = s.base > 0;
    return 0;
  }
  if (cp === 0xfe0f) {
    // Emoji presentation: a narrow pictograph becomes a two-cell emoji.
    pictographicRe ??= /^\p{Extended_Pictographic}$/u;
    if (s.base === 1 && pictographicRe.test(s.baseChar)) {
      s.base = 2;
      return 1;
    }
    return 0;
  }
  if (isSkinTone(cp) && s.base === 2) return 0;
  if (isZeroWidth(ch, cp)) return 0;
  if (isRegionalIndicator(cp)) {
    // A pair is one flag, two cells; a lone indicator is one cell.
    if (s.pendingFlag) {
      s.pendingFlag = false;
      s.base = 2;
      return 1;
    }
    s.pendingFlag = true;
    s.base = 1;
    s.baseChar = ch;
    return 1;
  }
  s.pendingFlag = false;
  s.base = isWide(cp) ? 2 : 1;
  s.baseChar = ch;
  return s.base;
}

const newScan = (): Scan => ({ width: 0, base: 0, baseChar: '', afterJoiner: false, pendingFlag: false });

/** Cells the text takes in a terminal (no escape sequences expected: clean it first). */
export function cellWidth(text: string): number {
  if (ASCII_PRINTABLE.test(text)) return text.length;
  const s = newScan();
  for (const ch of text) s.width += step(s, ch);
  return s.width;
}

/** The longest start of `text` that fits in `cells`, never splitting a wide character or a cluster. */
export function sliceCells(text: string, cells: number): { text: string; width: number } {
  if (ASCII_PRINTABLE.test(text)) {
    const cut = text.slice(0, Math.max(0, cells));
    return { text: cut, width: cut.length };
  }
  const s = newScan();
  let end = 0;
  for (const ch of text) {
    const add = step(s, ch);
    if (s.width + add > cells) break;
    s.width += add;
    end += ch.length;
  }
  return { text: text.slice(0, end), width: s.width };
}
