import { describe, expect, it } from 'vitest';
import { renderTerminalStream, TerminalLines, TerminalScreen } from '../../src/core/terminal-screen.js';
import { parseClientMessage } from '../../src/core/terminal-protocol.js';

describe('renderTerminalStream', () => {
  it('resolves CRLF, carriage returns, backspaces and tabs', () => {
    expect(renderTerminalStream('a\r\nb\r\n')).toEqual(['a', 'b']);
    expect(renderTerminalStream('10%\r50%\r100%\r\n')).toEqual(['100%']);
    expect(renderTerminalStream('ab\bc\r\n')).toEqual(['ac']);
    expect(renderTerminalStream('a\tb\r\n')).toEqual(['a       b']);
  });

  it('resolves cursor moves and clears, and drops colours, titles and modes', () => {
    expect(renderTerminalStream('abc\x1b[2Dx\r\n')).toEqual(['axc']);
    expect(renderTerminalStream('gone\x1b[2K\rkept\r\n')).toEqual(['kept']);
    expect(renderTerminalStream('long line\r\x1b[Kshort\r\n')).toEqual(['short']);
    expect(renderTerminalStream('one\r\ntwo\r\n\x1b[2A\x1b[2Kuno\r\n')).toEqual(['uno', 'two']);
    expect(renderTerminalStream('\x1b[31mred\x1b[0m \x1b]0;title\x07\x1b[?25lok\r\n')).toEqual(['red ok']);
    expect(renderTerminalStream('\x1b[3;5Hat\r\n')).toEqual(['', '', '    at']);
  });

  it('keeps what a whole-screen clear wipes, and leaves out a full-screen program (alternate screen)', () => {
    expect(renderTerminalStream('before\r\n\x1b[2J\x1b[Hafter\r\n')).toEqual(['before', 'after']);
    expect(renderTerminalStream('shell\r\n\x1b[?1049hfull screen app\x1b[?1049lback\r\n')).toEqual(['shell', 'back']);
  });

  it('leaves marker lines out, as every reader of a log does', () => {
    expect(renderTerminalStream('::progress 40\r\nwork\r\n::stage build\r\n')).toEqual(['work']);
  });

  it('takes a sequence cut between two chunks as one', () => {
    const s = new TerminalScreen();
    s.write('abc\x1b[');
    s.write('2Dx\r\n');
    expect(s.lines()).toEqual(['axc']);
  });
});

describe('TerminalLines (logs -f of a tty task)', () => {
  it('gives each line once it is done, as the screen showed it', () => {
    const t = new TerminalLines();
    expect(t.feed('10%\r')).toEqual([]);
    expect(t.feed('100%\r\nnext')).toEqual(['100%']);
    expect(t.feed(' line\r\n')).toEqual(['next line']);
    expect(t.feed('tail')).toEqual([]);
    expect(t.end()).toEqual(['tail']);
  });
});

describe('the terminal protocol', () => {
  it('takes only the messages it knows, with sizes in range', () => {
    expect(parseClientMessage('{"t":"hello","mode":"attach"}')).toEqual({ t: 'hello', mode: 'attach' });
    expect(parseClientMessage('{"t":"in","d":"aGk="}')).toEqual({ t: 'in', d: 'aGk=' });
    expect(parseClientMessage('{"t":"resize","cols":100,"rows":30}')).toEqual({ t: 'resize', cols: 100, rows: 30 });
    for (const bad of [
      '',
      'nope',
      '{"t":"hello","mode":"root"}',
      '{"t":"resize","cols":0,"rows":3}',
      '{"t":"resize","cols":5000,"rows":3}',
      '{"t":"in"}',
    ])
      expect(parseClientMessage(bad)).toBeNull();
  });
});
