// runner/clean.ts, called as the dashboard calls it (the chosen tasks by id) on real
// workers' tasks and a real worktree: what a task left uncommitted is committed onto its
// kept branch before its worktree goes, and a task that has not finished is never touched.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINAL_STATUSES } from '../../src/core/task.js';
import { cleanSummary, cleanTasks, keptBranchText } from '../../src/runner/clean.js';
import { statePaths } from '../../src/store/paths.js';
import { TaskStore } from '../../src/store/tasks.js';
import { branches, git, makeRepo, worktreeList } from '../fixtures/index.js';
import { Harness, waitFor } from './harness.js';

let h: Harness;
let repo: string;
beforeEach(() => {
  h = new Harness();
  repo = makeRepo(join(h.home, 'repo'));
  h.writeConfig({ projects: { web: { cwd: repo, isolation: 'worktree' } } });
});
afterEach(() => {
  h.cleanup();
});

describe('cleanTasks on chosen tasks', () => {
  it("commits a worktree task's uncommitted work onto its branch and keeps it; the task, its log and worktree go; others stay", async () => {
    const wt = h.sh('web', 'echo more >> shared.txt; echo new > untracked.txt; echo worked');
    const other = h.sh('plain', 'echo not-chosen');
    const running = h.sh('plain', 'echo started; sleep 60');
    const done = await h.waitForStatus(wt.id, ['completed']);
    await h.waitForStatus(other.id, ['completed']);
    await waitFor(() => h.task(running.id).commandPid || undefined, 'the running task to run');
    expect(h.log(wt.id)).toContain('worked');

    const store = new TaskStore(statePaths(h.home));
    const report = await cleanTasks(store, { statuses: FINAL_STATUSES, ids: new Set([wt.id, running.id]) });

    expect(report.removed).toEqual([wt.id]);
    expect(report.worktrees).toBe(1);
    expect(report.warnings).toEqual([]);
    expect(report.keptTasks).toEqual([]);
    const branch = `dev-tools/${wt.id}`;
    expect(report.keptBranches).toEqual([{ id: wt.id, branch, repo, committed: 2 }]);
    expect(cleanSummary(report)).toMatch(/^removed 1 task \(\d+(\.\d)? (B|KiB) freed\); removed 1 worktree$/);
    expect(keptBranchText(report.keptBranches[0]!)).toBe(
      `${branch} in ${repo} (the 2 uncommitted files its task left, committed onto it): see it with dev-tools diff ${wt.id}, take it with git switch ${branch}`,
    );
    // The work is on the kept branch, committed by dev-tools; the worktree is gone.
    expect(existsSync(done.worktree!.path)).toBe(false);
    expect(worktreeList(repo)).toEqual([repo]);
    expect(branches(repo)).toContain(branch);
    expect(git(repo, 'log', '-1', '--format=%s', branch)).toBe(`dev-tools ${wt.id}: run web`);
    expect(git(repo, 'show', `${branch}:shared.txt`)).toBe('base\nmore');
    expect(git(repo, 'show', `${branch}:untracked.txt`)).toBe('new');
    expect(JSON.parse(readFileSync(join(h.home, 'branches', `${wt.id}.json`), 'utf8'))).toMatchObject({ id: wt.id, branch, repo });
    // The task and its log are gone; `diff` still finds the branch.
    expect(existsSync(join(h.home, 'tasks', 'done', `${wt.id}.json`))).toBe(false);
    expect(existsSync(join(h.home, 'logs', `${wt.id}.log`))).toBe(false);
    expect(h.run(['diff', wt.id]).stdout).toContain('+more');
    // Not chosen, or not finished: untouched.
    expect(h.task(other.id).status).toBe('completed');
    expect(h.log(other.id)).toContain('not-chosen');
    expect(h.task(running.id).status).toBe('running');
    expect(h.log(running.id)).toContain('started');
    const listed = h.run(['status', '--all']).stdout;
    expect(listed).not.toContain(wt.id);
    expect(listed).toContain(other.id);
  });
});
