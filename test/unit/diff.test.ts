import { describe, expect, it } from 'vitest';
import { copyPathProblem, diffCell, diffLineKind, formatDiff, parseNumstat } from '../../src/core/diff.js';

describe('parseNumstat', () => {
  it('adds up lines of text files and counts binary files without lines', () => {
    expect(parseNumstat('3\t1\ta.txt\n0\t5\tb/c.ts\n-\t-\timg.png\n')).toEqual({ files: 3, insertions: 3, deletions: 6 });
  });

  it('reads the -z form, where a rename carries its two paths as records of their own', () => {
    const z = ['2\t0\tnew.txt', '1\t1\t', 'old name.txt', 'new\tname.txt', '-\t-\tbin', ''].join('\0');
    expect(parseNumstat(z)).toEqual({ files: 3, insertions: 3, deletions: 1 });
  });

  it('is all zero for no changes', () => {
    expect(parseNumstat('')).toEqual({ files: 0, insertions: 0, deletions: 0 });
  });
});

describe('the DIFF cell', () => {
  it('reads +insertions -deletions files', () => {
    expect(formatDiff({ files: 5, insertions: 120, deletions: 8 })).toBe('+120 -8 5f');
    expect(formatDiff({ files: 0, insertions: 0, deletions: 0 })).toBe('0f');
    expect(formatDiff(null)).toBe('-');
  });

  it('says a worktree task that has not ended yet is still going, and a task without one has none', () => {
    const iso = { repo: '/r', base: 'abc', baseBranch: 'main', setup: [], copy: [] };
    expect(diffCell({ isolation: iso, status: 'running' })).toBe('…');
    expect(diffCell({ isolation: iso, status: 'failed' })).toBe('-');
    expect(diffCell({ status: 'completed' })).toBe('-');
    expect(diffCell({ isolation: iso, status: 'completed', diff: { files: 1, insertions: 2, deletions: 0 } })).toBe('+2 -0 1f');
  });
});

describe('copy paths', () => {
  it('takes paths inside the project only', () => {
    expect(copyPathProblem('.env')).toBeNull();
    expect(copyPathProblem('config/local.json')).toBeNull();
    expect(copyPathProblem('/etc/passwd')).toMatch(/relative/);
    expect(copyPathProblem('../secrets')).toMatch(/inside the project/);
    expect(copyPathProblem('a/../../b')).toMatch(/inside the project/);
    expect(copyPathProblem('')).toMatch(/non-empty/);
  });
});

describe('diff lines', () => {
  it('tells file headers, hunks, added and removed lines apart', () => {
    expect(['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1,2 @@', '+new', '-old', ' same'].map(diffLineKind)).toEqual([
      'file',
      'file',
      'file',
      'hunk',
      'added',
      'removed',
      null,
    ]);
  });
});
