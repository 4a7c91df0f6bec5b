import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/core/units.js';
import { commandEnv, runsAsPipeline, taskShapeError, taskSteps } from '../../src/core/task.js';

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

describe('what a worker runs', () => {
  const iso = (setup: string[]) => ({ repo: '/r', base: 'abc', baseBranch: 'main', setup, copy: [] });

  it('runs a worktree setup as one stage "setup" before the command or the stages, stopping at its first failing line', () => {
    expect(taskSteps({ project: 'web', command: ['make'] })).toEqual([{ name: 'web', argv: ['make'] }]);
    expect(taskSteps({ project: 'web', command: ['make'], isolation: iso(['npm ci', 'npm run gen']) })).toEqual([
      { name: 'setup', argv: ['sh', '-c', 'set -e\nnpm ci\nnpm run gen'] },
      { name: 'web', argv: ['make'] },
    ]);
    expect(taskSteps({ project: 'web', stages: [{ name: 'b', run: 'x' }], isolation: iso([]) })).toEqual([
      { name: 'b', argv: ['sh', '-c', 'x'] },
    ]);
    expect(runsAsPipeline({ isolation: iso(['npm ci']) })).toBe(true);
    expect(runsAsPipeline({ isolation: iso([]) })).toBe(false);
  });

  it("gives the command the launching shell's environment, the task's, then dev-tools' variables", () => {
    const task = {
      id: 'abc12345',
      project: 'web',
      description: 'Add login',
      cwd: '/r',
      status: 'running' as const,
      createdAt: 'x',
      env: { A: 'task', B: 'task' },
      logFile: 'l',
      worktree: { path: '/s/worktrees/abc12345', branch: 'dev-tools/abc12345', base: 'abc' },
    };
    expect(commandEnv(task, { A: 'shell', PATH: '/bin', DEV_TOOLS_STAGE: 'forged' }, 'build')).toEqual({
      A: 'task',
      B: 'task',
      PATH: '/bin',
      DEV_TOOLS_TASK_ID: 'abc12345',
      DEV_TOOLS_PROJECT: 'web',
      DEV_TOOLS_TASK_DESCRIPTION: 'Add login',
      DEV_TOOLS_STAGE: 'build',
      DEV_TOOLS_WORKTREE: '/s/worktrees/abc12345',
    });
  });
});
