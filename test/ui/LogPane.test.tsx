import { cleanup, render } from 'ink-testing-library';
import chalk from 'chalk';
import { stripVTControlCharacters } from 'node:util';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { LogLines } from '../../components/log-text.js';
import { cleanColoredLogLine, cleanLogLine, withoutColors } from '../../src/core/terminal-text.js';
import { ColorContext } from '../../components/useColor.js';
import { LogPane } from '../../components/LogPane.js';
import { makeTask, waitFor } from '../fixtures/index.js';
import { KEYS, tick } from './helpers.js';

afterEach(() => cleanup());

describe('log text', () => {
  it('strips colours, cursor moves, titles and other control characters', () => {
    expect(cleanLogLine('\x1b[31mred\x1b[0m plain \x1b[1;32mbold\x1b[m')).toBe('red plain bold');
    expect(cleanLogLine('\x1b]0;title\x07after \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\')).toBe('after link');
    expect(cleanLogLine('a\x1b[2Kb\x1b[10Gc\x07d\x00e\x7f')).toBe('abcde');
    expect(cleanLogLine('tab\there')).toBe('tab    here');
  });

  it("the pane keeps a task's colours (SGR) and drops every other sequence and control character", () => {
    const log = new LogLines();
    log.push('\x1b[31mred\x1b[0m plain \x1b[2J\x1b]0;title\x07\x1b[1;32mbold\x1b[m\tend\x07\n');
    expect(log.snapshot()).toEqual(['\x1b[31mred\x1b[0m plain \x1b[1;32mbold\x1b[m    end']);
    expect(withoutColors(log.snapshot()[0]!)).toBe('red plain bold    end');
    // What shows is counted, not the colour codes; a line redrawn with \r keeps what shows, without colours.
    expect(cleanColoredLogLine(`\x1b[32m${'g'.repeat(10)}\x1b[0m${'x'.repeat(10)}`, 15)).toBe(
      `\x1b[32m${'g'.repeat(10)}\x1b[0m${'x'.repeat(5)}`,
    );
    expect(cleanColoredLogLine('\x1b[33m10%\r\x1b[33m55%\x1b[0m')).toBe('55%');
  });

  it('keeps what a terminal would show for \\r rewrites', () => {
    expect(cleanLogLine('progress 10%\rprogress 55%\rprogress 99%')).toBe('progress 99%');
    expect(cleanLogLine('long old text\rnew')).toBe('newg old text');
    expect(cleanLogLine('windows line\r')).toBe('windows line');
  });

  it('assembles lines across chunks, including split UTF-8, and keeps the last N', () => {
    const log = new LogLines(3);
    const euro = Buffer.from('€');
    log.push(Buffer.concat([Buffer.from('one\ntw'), euro.subarray(0, 1)]));
    expect(log.snapshot()).toEqual(['one', 'tw']);
    log.push(Buffer.concat([euro.subarray(1), Buffer.from('o\nthree\nfour\n')]));
    expect(log.snapshot()).toEqual(['tw€o', 'three', 'four']);
    log.push('50%\r');
    log.push('60%');
    expect(log.snapshot()).toEqual(['tw€o', 'three', 'four', '60%']);
  });

  it('counts the lines it lets go of, and says when a line was cut', () => {
    const log = new LogLines(3, 100, 20);
    log.push('a\nb\nc\nd\ne\n');
    expect(log.snapshot()).toEqual(['c', 'd', 'e']);
    expect(log.dropped).toBe(2);
    // Longer than what is kept (100) and than what is shown (20): its start, and its size.
    log.push(`${'y'.repeat(50)}`);
    log.push(`${'y'.repeat(5000)}\n`);
    expect(log.snapshot().at(-1)).toBe(`[line of 4.9 KiB cut] ${'y'.repeat(20)}…`);
    // A progress bar redrawn with \r shrinks to what a terminal shows before it is cut.
    for (let i = 0; i <= 100; i++) log.push(`progress ${i}%\r`);
    log.push('\n');
    expect(log.snapshot().at(-1)).toBe('progress 100%');
    const mid = new LogLines();
    mid.startsMidLine(1000);
    mid.push('tail of a long line\nnext\n');
    expect(mid.snapshot()).toEqual(['[line of 1019 B cut] …tail of a long line', 'next']);
  });
});

const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);

describe('LogPane', () => {
  it('follows the end of the log', () => {
    const task = makeTask({ id: 'abc12345' });
    const { lastFrame } = render(<LogPane entry={task} lines={lines} width={80} height={6} focused={false} />);
    const frame = lastFrame()!;
    expect(frame).toContain('abc12345');
    expect(frame).toContain('▶ running');
    expect(frame).toContain('line 50');
    expect(frame).toContain('line 46');
    expect(frame).not.toContain('line 45');
  });

  it('scrolls with PgUp/PgDn/Home/End and arrows when focused, and goes back with Esc', async () => {
    let back = 0;
    const task = makeTask({ id: 'abc12345' });
    const { lastFrame, stdin } = render(<LogPane entry={task} lines={lines} width={80} height={6} focused onBack={() => back++} />);
    const shows = (re: RegExp) => waitFor(() => re.test(lastFrame() ?? ''), `log pane to show ${re}`, 3000, lastFrame);
    await tick();
    stdin.write(KEYS.pageUp);
    await shows(/line 42\n(?![\s\S]*line 50)/);
    stdin.write(KEYS.home);
    await shows(/line 1\n/);
    stdin.write(KEYS.down);
    await shows(/^(?![\s\S]*line 1\n)[\s\S]*line 2\n/);
    stdin.write(KEYS.pageDown);
    await shows(/line 6\n/);
    stdin.write(KEYS.end);
    await shows(/line 50/);
    stdin.write(KEYS.escape);
    await waitFor(() => back === 1, 'Esc to go back');
  });

  it('stays put while scrolled back as new lines arrive, follows again at the end', async () => {
    const task = makeTask({ id: 'abc12345' });
    const { lastFrame, stdin, rerender } = render(<LogPane entry={task} lines={lines} width={80} height={6} focused />);
    await tick();
    stdin.write(KEYS.home);
    await tick();
    rerender(<LogPane entry={task} lines={[...lines, 'line 51']} width={80} height={6} focused />);
    await tick();
    expect(lastFrame()).toMatch(/line 1\n/);
    stdin.write(KEYS.end);
    await tick();
    rerender(<LogPane entry={task} lines={[...lines, 'line 51', 'line 52']} width={80} height={6} focused />);
    await tick();
    expect(lastFrame()).toContain('line 52');
  });

  it('ignores keys when not focused', async () => {
    const task = makeTask({ id: 'abc12345' });
    const { lastFrame, stdin } = render(<LogPane entry={task} lines={lines} width={80} height={6} focused={false} />);
    await tick();
    stdin.write(KEYS.home);
    await tick();
    expect(lastFrame()).toContain('line 50');
  });

  it('shows how a finished task ended', () => {
    const failed = makeTask({ id: 'abc12345', status: 'failed', exitCode: 3, error: 'stage build failed' });
    const frame = render(<LogPane entry={failed} lines={['boom']} width={80} height={6} focused={false} />).lastFrame()!;
    expect(frame).toContain('✖ failed');
    expect(frame).toContain('task failed · exit code 3 · stage build failed');
  });

  it('shows a broken task file instead of a log', () => {
    const frame = render(
      <LogPane entry={{ id: 'bad00001', broken: true, error: 'not valid JSON' }} lines={[]} width={80} height={6} focused={false} />,
    ).lastFrame()!;
    expect(frame).toContain('broken task file');
    expect(frame).toContain('not valid JSON');
  });
});

describe('LogPane search', () => {
  const log = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? `step ${i}: Error found, error again` : `step ${i}: fine`));

  /** The pane as the dashboard holds it: `/` gives the keys to the query line, Enter or Esc back. */
  function Searchable(props: { earlier?: string | null; lines?: string[] }) {
    const [searching, setSearching] = useState(false);
    return (
      <LogPane
        entry={makeTask({ id: 'abc12345' })}
        lines={props.lines ?? log}
        earlier={props.earlier ?? null}
        width={100}
        height={8}
        focused
        searching={searching}
        onSearching={setSearching}
      />
    );
  }

  it('/ searches the loaded log case-insensitively, counts, highlights and wraps with n/N', async () => {
    const { lastFrame, stdin } = render(<Searchable />);
    // Standalone (no router), a pane's key handler changes in an effect after the frame: a tick more.
    const shows = async (re: RegExp) => {
      await waitFor(() => re.test(lastFrame() ?? ''), `log pane to show ${re}`, 3000, lastFrame);
      await tick(30);
    };
    await tick();
    stdin.write('/');
    await shows(/search the loaded log/);
    stdin.write('error');
    await tick();
    stdin.write(KEYS.enter);
    // Following the end, the search wraps to the first match from the top: 4 lines hold 2 each.
    await shows(/\/error 1\/8/);
    expect(lastFrame()).toContain('step 3: Error found');
    stdin.write('n');
    await shows(/\/error 2\/8/);
    stdin.write('nn');
    await shows(/\/error 4\/8/);
    expect(lastFrame()).toContain('step 13: Error found');
    stdin.write('N');
    await shows(/\/error 3\/8/);
    stdin.write('NNN');
    await shows(/\/error 8\/8 · search hit TOP, continuing at BOTTOM/);
    expect(lastFrame()).toContain('step 33');
    stdin.write('n');
    await shows(/\/error 1\/8 · search hit BOTTOM, continuing at TOP/);
    // Esc drops the search first.
    stdin.write(KEYS.escape);
    await waitFor(() => !(lastFrame() ?? '').includes('/error'), 'the search to go', 3000, lastFrame);
  });

  it('a capital makes it case-sensitive; matches are highlighted, the current one in bold', async () => {
    // Ink's chalk draws nothing without a terminal: turned on here to see the highlight.
    const level = chalk.level;
    chalk.level = 1;
    try {
      const { lastFrame, stdin } = render(<Searchable />);
      const plain = () => stripVTControlCharacters(lastFrame() ?? '');
      const shows = async (re: RegExp) => {
        await waitFor(() => re.test(plain()), `log pane to show ${re}`, 3000, lastFrame);
        await tick(30);
      };
      await tick();
      stdin.write('/');
      await shows(/search the loaded log/);
      stdin.write('Error');
      await tick();
      stdin.write(KEYS.enter);
      await shows(/\/Error 1\/4/);
      // The current match bold and inverse; "error again" is not a match (case-sensitive).
      expect(lastFrame()).toMatch(/step 3: \x1b\[7m\x1b\[1m\x1b\[33mError\x1b\[\d+m\x1b\[22m\x1b\[27m found, error again/);
      stdin.write(KEYS.escape);
      await waitFor(() => !plain().includes('/Error'), 'the search to go', 3000, lastFrame);
      stdin.write('/');
      await shows(/search the loaded log/);
      stdin.write('error');
      await tick();
      stdin.write(KEYS.enter);
      await shows(/\/error 1\/8/);
      // Both matches of the line, the second one not current: inverse only.
      expect(lastFrame()).toMatch(/found, \x1b\[7merror\x1b\[27m again/);
    } finally {
      chalk.level = level;
    }
  });

  it("draws the task's colours; without colour (NO_COLOR) the text alone; a search finds text, not colour codes", async () => {
    const level = chalk.level;
    chalk.level = 1;
    try {
      const coloured = ['plain start', '\x1b[31merror:\x1b[0m it broke', '\x1b[32mok\x1b[0m'];
      const task = makeTask({ id: 'col00001' });
      const ui = render(<LogPane entry={task} lines={coloured} width={80} height={6} focused />);
      await tick();
      expect(ui.lastFrame()).toContain('\x1b[31merror:\x1b[39m it broke');
      const off = render(
        <ColorContext.Provider value={false}>
          <LogPane entry={task} lines={coloured} width={80} height={6} focused />
        </ColorContext.Provider>,
      );
      // The frame with the text is the one without its colour.
      await waitFor(() => off.lastFrame()?.includes('error: it broke'), 'the frame without colour', 3000, off.lastFrame);
      expect(off.lastFrame()).not.toContain('\x1b[31m');
      // "31m" is in the codes, not in the text.
      ui.unmount();
      const searchable = render(<Searchable lines={coloured} />);
      await tick(50);
      // Each key once the pane has taken the one before (fixed ticks were too short on a loaded machine).
      const frame = () => stripVTControlCharacters(searchable.lastFrame() ?? '');
      const search = async (query: string, shows: string) => {
        searchable.stdin.write('/');
        await waitFor(() => frame().includes('search the loaded log'), 'the search bar', 3000, searchable.lastFrame);
        await tick(30);
        searchable.stdin.write(query);
        await waitFor(() => frame().includes(query), `the query ${query}`, 3000, searchable.lastFrame);
        await tick(30);
        searchable.stdin.write(KEYS.enter);
        await waitFor(() => stripVTControlCharacters(searchable.lastFrame() ?? '').includes(shows), shows, 3000, searchable.lastFrame);
        await tick(50);
      };
      await search('31m', '/31m no match');
      await search('broke', '/broke 1/1');
    } finally {
      chalk.level = level;
    }
  });

  it('says when nothing matched and when earlier output that was not loaded may hold more', async () => {
    const { lastFrame, stdin } = render(<Searchable earlier="… 1,000 earlier lines not loaded" />);
    // Standalone (no router), a pane's key handler changes in an effect after the frame: a tick more.
    const shows = async (re: RegExp) => {
      await waitFor(() => re.test(lastFrame() ?? ''), `log pane to show ${re}`, 3000, lastFrame);
      await tick(30);
    };
    await tick();
    stdin.write('/');
    await shows(/search the loaded log/);
    stdin.write('zebra');
    await tick();
    stdin.write(KEYS.enter);
    await shows(/no match in the loaded log · earlier output is not loaded and may hold more/);
  });
});
