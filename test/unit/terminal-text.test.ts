import { describe, expect, it } from 'vitest';
import { stripSequences, TerminalFilter, printable } from '../../src/core/terminal-text.js';

describe('terminal text', () => {
  const HOSTILE = 'a\x1b[2J\x1b[H\x1b]0;title\x07\x1b[?1049l\x1b]52;c;aGk=\x1b\\\x1bPq#0\x1b\\\x1bcb\x07\x08';

  it('drops every sequence and control character but colours, \\n, \\r and \\t', () => {
    const f = new TerminalFilter(true);
    expect(f.push(`\x1b[1;31mred\x1b[0m ${HOSTILE}\tend\r\n`) + f.end()).toBe('\x1b[1;31mred\x1b[0m ab\tend\r\n');
    const plain = new TerminalFilter(false);
    expect(plain.push('\x1b[31mred\x1b[0m') + plain.end()).toBe('red');
  });

  it('holds a sequence cut between chunks until it is whole', () => {
    const f = new TerminalFilter(true);
    const text = 'x\x1b[31my\x1b]0;title\x07z\x1b[2Jw';
    for (let cut = 1; cut < text.length; cut++) {
      const g = new TerminalFilter(true);
      expect(g.push(text.slice(0, cut)) + g.push(text.slice(cut)) + g.end(), `cut at ${cut}`).toBe('x\x1b[31myzw');
    }
    expect(f.push('tail\x1b[3') + f.end()).toBe('tail3');
  });

  it('strips for the log pane, leaving text of unterminated sequences out', () => {
    expect(stripSequences('a\x1b]0;never ended')).toBe('a');
    expect(stripSequences('\x1b[31mred\x1b[0m', true)).toBe('\x1b[31mred\x1b[0m');
    expect(stripSequences('\x1b[31mred\x1b[0m')).toBe('red');
  });
});

describe('printable', () => {
  it('removes escape sequences whole, control characters and the invisible ones that reorder text', () => {
    expect(printable('a\x1b[2Jb\x1b]0;title\x07c\x1b]8;;http://x\x1b\\d\x9b31me\x1bcf')).toBe('abcdef');
    // U+202E would show "evil.txt\u202Eexe" as if it ended in .txt; isolates and marks likewise.
    expect(printable('report\u202eexe.txt \u2066x\u2069 \u200fy\u061c z\ufeff')).toBe('reportexe.txt x y z');
    expect(printable('one\ntwo\r\nthree\tfour\u2028five')).toBe('one two three four five');
    expect(printable('\x00\x07\x08\x7f\x85ok')).toBe('ok');
    expect(printable('plain text, ünïcödé, 漢字 ✔')).toBe('plain text, ünïcödé, 漢字 ✔');
  });
});
