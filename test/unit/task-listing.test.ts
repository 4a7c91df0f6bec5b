import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBroken, type Task } from '../../src/core/task.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { makeStateDir, makeTask, removeStateDir, writeTaskFile } from '../fixtures/index.js';

let home: string;
let store: TaskStore;
beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-listing-'));
});
afterEach(() => removeStateDir(home));

const statusOf = (id: string) => {
  const e = store.listActive().find((x) => x.id === id);
  return e ? (isBroken(e) ? 'broken' : e.status) : 'gone';
};

describe('listing active tasks again', () => {
  it('reads again every file that changed since the last listing, and only those give another answer', () => {
    writeTaskFile(home, makeTask({ id: 'aaaa0001', status: 'queued' }));
    writeTaskFile(home, makeTask({ id: 'bbbb0002', status: 'queued' }));
    expect([statusOf('aaaa0001'), statusOf('bbbb0002')]).toEqual(['queued', 'queued']);
    const first = store.listActive().find((x) => x.id === 'bbbb0002');
    // Written as every writer writes (a temp file renamed over it): seen at once, same size or not.
    store.write({ ...(first as Task), status: 'running' });
    expect(statusOf('bbbb0002')).toBe('running');
    // The same content in place, through another process's rename: still right.
    writeTaskFile(home, makeTask({ id: 'bbbb0002', status: 'queued' }));
    expect(statusOf('bbbb0002')).toBe('queued');
    // Overwritten in place (no rename) with something that is not a task: broken, not the old task.
    writeFileSync(join(home, 'tasks', 'aaaa0001.json'), '{ half');
    expect(statusOf('aaaa0001')).toBe('broken');
    store.discardQueued('bbbb0002');
    expect(statusOf('bbbb0002')).toBe('gone');
  });
});
