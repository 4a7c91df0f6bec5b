// A worktree task from its preparation to its restart: setup as a stage, copied files,
// a cancel that keeps the partial work, a restart from the same base, config errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Harness, waitFor } from './harness.js';
import { git, makeRepo, worktreeList } from '../fixtures/index.js';

let h: Harness;
let repo: string;
beforeEach(() => {
  h = new Harness();
  repo = makeRepo(join(h.home, 'repo'), { 'shared.txt': 'base\n', '.gitignore': '.env\nconfig/local.json\n' });
});
afterEach(() => {
  h.cleanup();
});

function configure(project: Record<string, unknown>): void {
  h.writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree', ...project } } });
}

describe('worktree task lifecycle', () => {
  it('runs setup in the fresh worktree as stage "setup" with its progress, after copying untracked files in', async () => {
    writeFileSync(join(repo, '.env'), 'TOKEN=abc\n');
    mkdirSync(join(repo, 'config'));
    writeFileSync(join(repo, 'config', 'local.json'), '{"port":1}\n');
    configure({
      setup: ['cat .env > setup-saw', 'echo ::progress 50 installing', 'sleep 0.6'],
      copy: ['.env', 'config/local.json', 'missing.txt'],
      stages: [{ name: 'build', run: 'cat config/local.json > built; echo "$DEV_TOOLS_STAGE"' }],
    });
    const r = h.run(['task', 'web', 'prepare', '-b', '--json']);
    expect(r.code).toBe(0);
    const id = (JSON.parse(r.stdout) as { id: string }).id;
    const during = await waitFor(() => {
      const t = h.task(id);
      return t.stage?.name === 'setup' && t.progress?.percent === 25 ? t : undefined;
    }, 'the setup stage at half way');
    expect(during.stage).toMatchObject({ index: 0, count: 2, name: 'setup' });
    const done = await h.waitForStatus(id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const wt = done.worktree!.path;
    expect(readFileSync(join(wt, 'setup-saw'), 'utf8')).toBe('TOKEN=abc\n');
    expect(readFileSync(join(wt, 'built'), 'utf8')).toBe('{"port":1}\n');
    const log = h.log(id);
    expect(log).toMatch(/copy: missing\.txt is not in the project; skipped[\s\S]*stage 1\/2: setup[\s\S]*stage 2\/2: build\nbuild\n/);
    // Made by setup and the stage; the copied files are ignored, as in the project.
    expect(done.diff).toEqual({ files: 2, insertions: 2, deletions: 0 });
  });

  it('shows stage "worktree" while git checks the worktree out (a slow post-checkout hook), then the stages', async () => {
    configure({ stages: [{ name: 'build', run: 'true' }] });
    writeFileSync(join(repo, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\nsleep 1\n', { mode: 0o755 });
    const t = JSON.parse(h.run(['task', 'web', 'slow checkout', '-b', '--json']).stdout) as { id: string };
    const during = await waitFor(() => (h.task(t.id).stage?.name === 'worktree' ? h.task(t.id) : undefined), 'stage worktree');
    expect(during.status).toBe('running');
    expect(during.worktree ?? null).toBeNull();
    const done = await h.waitForStatus(t.id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', stage: { name: 'build' } });
  });

  it('a failing setup line fails the task at stage setup; the stages never run', async () => {
    configure({ setup: ['false', 'touch after-false'], stages: [{ name: 'build', run: 'touch built' }] });
    const t = JSON.parse(h.run(['task', 'web', 'bad setup', '-b', '--json']).stdout) as { id: string };
    const done = await h.waitForStatus(t.id, ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'failed', exitCode: 1, stage: { name: 'setup' } });
    expect(existsSync(join(done.worktree!.path, 'after-false'))).toBe(false);
    expect(existsSync(join(done.worktree!.path, 'built'))).toBe(false);
  });

  it('a cancelled task keeps its worktree with its partial work, and its diff', async () => {
    configure({});
    const t = h.sh('web', 'echo partial >> shared.txt; touch started; sleep 30');
    const wt = join(h.home, 'worktrees', t.id);
    await waitFor(() => existsSync(join(wt, 'started')), 'the task to start working');
    const c = h.run(['cancel', t.id]);
    expect(c.code).toBe(0);
    const done = await h.waitForStatus(t.id, ['cancelled']);
    expect(readFileSync(join(wt, 'shared.txt'), 'utf8')).toBe('base\npartial\n');
    expect(done.diff).toEqual({ files: 2, insertions: 1, deletions: 0 });
    expect(worktreeList(repo)).toContain(wt);
  });

  it('restart starts from the same base in a new worktree, whatever the repo has gained since', async () => {
    configure({});
    const t = h.sh('web', 'cat shared.txt');
    const first = await h.waitForStatus(t.id, ['completed']);
    writeFileSync(join(repo, 'shared.txt'), 'moved on\n');
    git(repo, 'commit', '-qam', 'later');
    const r = h.run(['restart', t.id, '-b', '--json']);
    expect(r.code).toBe(0);
    const again = await h.waitForStatus((JSON.parse(r.stdout) as { id: string }).id, ['completed']);
    expect(again.worktree!.base).toBe(first.worktree!.base);
    expect(again.worktree!.path).not.toBe(first.worktree!.path);
    expect(h.log(again.id)).toContain('base\n');
    expect(h.log(again.id)).not.toContain('moved on');
  });

  it('names a bad isolation, setup or copy in config.json', () => {
    for (const [project, message] of [
      [{ isolation: 'docker' }, 'projects.web.isolation must be "none" or "worktree"'],
      [{ setup: 'npm ci' }, 'projects.web.setup must be an array of shell lines'],
      [{ copy: ['../secret'] }, 'projects.web.copy.0 "../secret" must stay inside the project (no "..")'],
    ] as const) {
      h.writeConfig({ projects: { web: { cwd: repo, ...project } } });
      const r = h.run(['task', 'web', 'x', '-b', '--', 'true']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`dev-tools: config.json: ${message}\n`);
    }
  });
});
