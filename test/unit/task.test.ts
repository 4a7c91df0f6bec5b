import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/units.js';
import { taskShapeError } from '../../src/core/task.js';

describe('durations and task shape', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('1d12h')).toBe(129600);
    expect(parseDuration('7')).toBeNull();
    expect(parseDuration('-1d')).toBeNull();
    expect(parseDuration('soon')).toBeNull();
  });

  it('names what is wrong with a task file', () => {
    expect(taskShapeError([])).toMatch(/object/);
    expect(taskShapeError({ id: 'a' })).toMatch(/project/);
    expect(
      taskShapeError({ id: 'a', project: 'p', description: 'd', createdAt: 'x', cwd: '/', logFile: 'l', status: 'weird', command: [] }),
    ).toMatch(/unknown status/);
  });
});
