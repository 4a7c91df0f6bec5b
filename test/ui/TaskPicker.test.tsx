import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskPicker } from '../../components/TaskPicker.js';
import { makeTask, waitFor } from '../fixtures/index.js';
import { KEYS, tick } from './helpers.js';

afterEach(() => cleanup());

const tasks = Array.from({ length: 14 }, (_, i) => makeTask({ id: `p${String(i + 1).padStart(7, '0')}`, description: `job ${i + 1}` }));

describe('TaskPicker (cancel without an id)', () => {
  it('fits an 80x10 terminal: the title and the selection stay on screen as it scrolls', async () => {
    let picked: string | null | undefined;
    const ui = render(
      <TaskPicker tasks={tasks} title="Cancel which task?" onPick={(id) => (picked = id)} size={{ columns: 80, rows: 10 }} />,
    );
    const frame = () => ui.lastFrame() ?? '';
    await tick();
    for (let i = 0; i < 12; i++) {
      ui.stdin.write('j');
      await tick(5);
    }
    await waitFor(() => frame().includes('❯ p0000013'), 'the 13th task selected', 3000, frame);
    const lines = frame().split('\n');
    expect(lines.length).toBeLessThanOrEqual(9);
    expect(lines[0]).toContain('Cancel which task? (13/14)');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    ui.stdin.write(KEYS.enter);
    await waitFor(() => picked !== undefined, 'the pick');
    expect(picked).toBe('p0000013');
  });

  it('keeps the task selected when the list changes under it', async () => {
    let picked: string | null | undefined;
    const picker = (list: typeof tasks) => (
      <TaskPicker tasks={list} title="Cancel which task?" onPick={(id) => (picked = id)} size={{ columns: 80, rows: 24 }} />
    );
    const ui = render(picker(tasks.slice(1, 4)));
    const frame = () => ui.lastFrame() ?? '';
    await waitFor(() => frame().includes('p0000004'), 'the list');
    ui.stdin.write('j');
    await waitFor(() => frame().includes('❯ p0000003'), 'the second task selected', 3000, frame);
    ui.rerender(picker(tasks.slice(0, 4)));
    await waitFor(() => frame().includes('p0000001'), 'the task added above', 3000, frame);
    expect(frame()).toContain('❯ p0000003');
    ui.stdin.write(KEYS.enter);
    await waitFor(() => picked !== undefined, 'the pick');
    expect(picked).toBe('p0000003');
  });

  it('leaves nothing on screen after Esc, and picks nothing', async () => {
    let picked: string | null | undefined;
    const ui = render(
      <TaskPicker tasks={tasks.slice(0, 3)} title="Cancel which task?" onPick={(id) => (picked = id)} size={{ columns: 80, rows: 24 }} />,
    );
    await waitFor(() => ui.lastFrame()?.includes('p0000001'), 'the list');
    ui.stdin.write(KEYS.escape);
    await waitFor(() => picked !== undefined, 'the answer');
    expect(picked).toBeNull();
    // Under CI=true Ink writes its last output plus a newline when it exits: a blank frame is an empty screen.
    await waitFor(
      () => ui.lastFrame()?.trim() === '',
      'an empty last frame',
      3000,
      () => ui.lastFrame(),
    );
  });
});
