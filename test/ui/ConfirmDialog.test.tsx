import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { KEYS, tick } from './helpers.js';

afterEach(() => cleanup());

async function answerWith(key: string): Promise<boolean[]> {
  const answers: boolean[] = [];
  const { stdin, lastFrame } = render(<ConfirmDialog question="Cancel abc12345?" onAnswer={(yes) => answers.push(yes)} />);
  expect(lastFrame()).toContain('Cancel abc12345? [y/N]');
  await tick();
  stdin.write(key);
  await tick();
  return answers;
}

describe('ConfirmDialog', () => {
  it('y means yes', async () => {
    expect(await answerWith('y')).toEqual([true]);
  });

  it('n, Enter and Esc mean no (the default)', async () => {
    expect(await answerWith('n')).toEqual([false]);
    expect(await answerWith(KEYS.enter)).toEqual([false]);
    expect(await answerWith(KEYS.escape)).toEqual([false]);
  });

  it('other keys do nothing', async () => {
    expect(await answerWith('x')).toEqual([]);
  });
});
