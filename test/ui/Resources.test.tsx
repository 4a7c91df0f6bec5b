// What running tasks use, in the dashboard: CPU and MEM columns in the table (the cells
// `status` prints) and the resources and containment lines of the detail view.
import { cleanup, render } from 'ink-testing-library';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { App } from '../../components/App.js';
import type { TaskStore } from '../../src/store/tasks.js';
import { makeConfig, makeStateDir, makeTask, removeStateDir, writeTaskFile } from '../fixtures/index.js';
import { recordingActions, screen } from './helpers.js';

let home: string;
let store: TaskStore;
beforeEach(() => {
  ({ home, store } = makeStateDir('dev-tools-ui-resources-'));
});
afterEach(() => {
  cleanup();
  removeStateDir(home);
});

const MiB = 1024 * 1024;

it('shows CPU and MEM of a running task, and i shows its resources and how it is held', async () => {
  writeTaskFile(
    home,
    makeTask({
      id: 'busy0001',
      status: 'running',
      startedAt: new Date(Date.now() - 5000).toISOString(),
      containment: 'cgroup',
      resources: { cpuSeconds: 4.5, memoryBytes: 216 * MiB, peakMemoryBytes: 300 * MiB, cpuPercent: 97.6 },
    }),
  );
  writeTaskFile(home, makeTask({ id: 'done0002', status: 'completed', containment: 'process-group' }), 'done');
  const ui = render(
    <App
      store={store}
      config={makeConfig()}
      actions={recordingActions([])}
      size={{ columns: 120, rows: 24 }}
      scheduleEveryMs={60_000}
      env={{}}
    />,
  );
  const { frame, see } = screen(ui);
  await see('busy0001');
  const rows = frame().split('\n');
  expect(rows.find((r) => r.includes('DESCRIPTION'))).toMatch(/ELAPSED +CPU +MEM +DESCRIPTION/);
  expect(rows.find((r) => r.includes('busy0001'))).toMatch(/ 98% +216M /);
  ui.stdin.write('i');
  await see('▌ detail busy0001');
  expect(frame()).toMatch(/resources\s+4\.5 s CPU \(98% now\) · 216M held · peak 300M/);
  expect(frame()).toMatch(/containment\s+cgroup \(every process it starts is stopped with it\)/);
});
