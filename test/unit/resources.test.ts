import { describe, expect, it } from 'vitest';
import { containmentLine, cpuCell, memCell, resourcesLine } from '../../src/core/resources.js';
import { parseSstat } from '../../src/core/slurm.js';
import { detailLines } from '../../src/core/task-detail.js';
import { layoutColumns, renderTable } from '../../src/core/table.js';
import { TASK_COLUMNS, taskCells, taskColumns } from '../../src/core/task-view.js';
import { formatBytesShort, parseSize } from '../../src/core/units.js';
import type { Resources } from '../../src/core/task.js';
import { makeTask } from '../fixtures/index.js';

const MiB = 1024 * 1024;
const used: Resources = { cpuSeconds: 12.43, memoryBytes: 210 * MiB, peakMemoryBytes: 1.25 * 1024 * MiB, cpuPercent: 85.4 };

describe('parseSize and formatBytesShort', () => {
  it('reads sizes as cgroups and Slurm write them (powers of 1024)', () => {
    expect(parseSize('2G')).toBe(2 * 1024 * MiB);
    expect(parseSize('512M')).toBe(512 * MiB);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 * MiB);
    expect(parseSize('100000')).toBe(100000);
    for (const bad of ['', 'lots', '-1G', '0', '2X']) expect(parseSize(bad)).toBeNull();
  });

  it('writes a size in at most five cells', () => {
    expect(formatBytesShort(812 * 1024)).toBe('812K');
    expect(formatBytesShort(210 * MiB)).toBe('210M');
    expect(formatBytesShort(1.25 * 1024 * MiB)).toBe('1.3G');
    expect(formatBytesShort(0)).toBe('0B');
  });
});

describe('CPU and MEM columns', () => {
  const running = makeTask({ id: 'r1', status: 'running', startedAt: new Date(0).toISOString(), resources: used });

  it('are there only when a running task was measured, after ELAPSED, and show what it uses now', () => {
    expect(taskColumns([makeTask({ id: 'q1' })]).map((c) => c.key)).toEqual(TASK_COLUMNS.map((c) => c.key));
    // A finished task's last measure is not "now": no columns for it alone.
    const ended = makeTask({ id: 'd1', status: 'completed', resources: { ...used, memoryBytes: 0, cpuPercent: null } });
    expect(taskColumns([ended]).some((c) => c.key === 'cpu')).toBe(false);
    const columns = taskColumns([running, ended]);
    expect(columns.map((c) => c.key)).toEqual([
      'id',
      'project',
      'status',
      'stage',
      'progress',
      'eta',
      'elapsed',
      'cpu',
      'mem',
      'description',
    ]);
    const lines = renderTable(
      columns,
      [running, ended].map((t) => taskCells(t, 5000)),
      160,
    );
    expect(lines[0]).toMatch(/ELAPSED +CPU +MEM +DESCRIPTION/);
    expect(lines[1]).toMatch(/5s +85% +210M /);
    expect(lines[2]).toMatch(/ +- +- /);
  });

  it('go before ELAPSED when narrow, and before the description gets less than its 24 cells', () => {
    const columns = taskColumns([running]);
    const dropsAt = (key: string) => {
      for (let w = 200; w > 20; w--) if (!layoutColumns(columns, w).some((c) => c.column.key === key)) return w;
      return 0;
    };
    expect(dropsAt('mem')).toBeGreaterThan(dropsAt('elapsed'));
    expect(dropsAt('cpu')).toBeGreaterThanOrEqual(dropsAt('mem'));
    // At the width where MEM goes, the description still has its reserve.
    const at = dropsAt('mem') + 1;
    expect(layoutColumns(columns, at).find((c) => c.column.key === 'description')!.width).toBeGreaterThanOrEqual(24);
  });

  it('show "-" for a task that is not running, or was not measured', () => {
    expect(cpuCell({ status: 'running', resources: null })).toBe('-');
    expect(cpuCell({ status: 'running', resources: { ...used, cpuPercent: null } })).toBe('-');
    expect(memCell({ status: 'completed', resources: used })).toBe('-');
    expect(memCell({ status: 'running', resources: used })).toBe('210M');
  });
});

describe('the detail view', () => {
  const value = (t: ReturnType<typeof makeTask>, label: string) =>
    detailLines(t, { now: 0, history: [], restartChain: [] }).find((l) => l.label === label)?.value;

  it('shows the CPU time, memory and peak, and how the processes were held', () => {
    const t = makeTask({ id: 'r1', status: 'running', resources: used, containment: 'cgroup' });
    expect(value(t, 'resources')).toBe('12.4 s CPU (85% now) · 210M held · peak 1.3G');
    expect(value(t, 'containment')).toBe(containmentLine(t));
    expect(value(t, 'containment')).toMatch(/^cgroup/);
    const ended = makeTask({ id: 'd1', status: 'completed', resources: { ...used, cpuSeconds: 125, memoryBytes: 0, cpuPercent: null } });
    expect(value(ended, 'resources')).toBe('2m05s CPU · peak 1.3G');
    expect(value(makeTask({ id: 'p1', containment: 'process-group' }), 'containment')).toMatch(/setsid is not stopped/);
  });

  it('says "-" where nothing was measured (a Slurm job without accounting), and has no containment line before it started', () => {
    const t = makeTask({ id: 's1', status: 'running' });
    expect(resourcesLine(t)).toBe('-');
    expect(value(t, 'resources')).toBe('-');
    expect(value(t, 'containment')).toBeUndefined();
  });
});

describe('parseSstat', () => {
  it("reads each job's batch step: AveCPU, AveRSS and MaxRSS", () => {
    const text = [
      '4211.extern|00:00.000|0|0',
      '4211.batch|01:02.500|210M|1.5G',
      '4212.batch|1-00:00:01|812K|900K',
      '4213.0|00:01.000|1K|1K',
      '',
    ].join('\n');
    const found = parseSstat(text);
    expect([...found.keys()]).toEqual(['4211', '4212']);
    expect(found.get('4211')).toEqual({ cpuSeconds: 62.5, memoryBytes: 210 * MiB, peakMemoryBytes: 1.5 * 1024 * MiB, cpuPercent: null });
    expect(found.get('4212')!.cpuSeconds).toBe(86401);
    expect(found.get('4212')!.memoryBytes).toBe(812 * 1024);
  });

  it('gives nothing for an answer without data (a cluster that gathers no accounting)', () => {
    expect(parseSstat('').size).toBe(0);
    expect(parseSstat('4211.batch|||').size).toBe(0);
  });
});
