import { cleanup, render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { ProgressBar } from '../../components/ProgressBar.js';

afterEach(() => cleanup());

describe('ProgressBar', () => {
  it('draws a bar and the percent within its width', () => {
    const { lastFrame } = render(<ProgressBar percent={50} width={20} />);
    expect(lastFrame()).toBe('[#######......]  50%');
    expect(lastFrame()!.length).toBe(20);
  });

  it('is full at 100 and empty at 0, clamped beyond', () => {
    expect(render(<ProgressBar percent={100} width={12} />).lastFrame()).toBe('[#####] 100%');
    expect(render(<ProgressBar percent={0} width={12} />).lastFrame()).toBe('[.....]   0%');
    expect(render(<ProgressBar percent={250} width={12} />).lastFrame()).toMatch(/^\[#####\] /);
  });

  it('shows unknown progress as unknown, never as 0', () => {
    expect(render(<ProgressBar percent={null} width={12} />).lastFrame()).toBe('[     ]    -');
  });
});
