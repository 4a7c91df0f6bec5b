// What a task's processes use, measured by its worker: from its cgroup (cpu.stat, and
// memory.current/memory.peak where the memory controller is enabled), else summed over
// its processes from /proc. Memory from /proc is resident memory (shared pages count once
// per process); its peak is the highest of the sums seen and of each live process's own
// peak (VmHWM), so an allocation made and freed between two samples is still seen while
// its process lives.
import type { Resources } from '../core/task.js';
import { cgroupCpuSeconds, cgroupMemory, cgroupProcs } from './cgroup.js';
import { cpuSecondsOf, groupMembers, memoryOf } from './proc.js';

export class ResourceMeter {
  private cpu = 0;
  private peak = 0;
  private last: { at: number; cpu: number } | null = null;
  /** CPU of this worker's waited-for children when it started (process groups: see childrenCpu). */
  private readonly childrenBase: number;

  constructor(private readonly cgroup: string | null) {
    this.childrenBase = cgroup ? 0 : childrenCpu();
  }

  /** A sample now; `pgid`: the group of the step that runs (process groups only). */
  sample(pgid: number | null, now = Date.now()): Resources {
    const pids = this.cgroup ? cgroupProcs(this.cgroup) : pgid ? groupMembers(pgid) : [];
    let cpu: number;
    if (this.cgroup) cpu = cgroupCpuSeconds(this.cgroup) ?? this.cpu;
    else {
      // Ended steps are this worker's waited-for children; live ones are counted by their processes.
      cpu = childrenCpu() - this.childrenBase;
      for (const pid of pids) cpu += cpuSecondsOf(pid, true) ?? 0;
    }
    this.cpu = Math.max(this.cpu, cpu);
    let rss = 0;
    let hwm = 0;
    const fromCgroup = this.cgroup ? cgroupMemory(this.cgroup) : null;
    if (fromCgroup) {
      rss = fromCgroup.current;
      hwm = fromCgroup.peak ?? 0;
    } else {
      for (const pid of pids) {
        const m = memoryOf(pid);
        if (!m) continue;
        rss += m.rss;
        hwm = Math.max(hwm, m.hwm);
      }
    }
    this.peak = Math.max(this.peak, rss, hwm);
    let cpuPercent: number | null = null;
    if (this.last && now - this.last.at >= 200)
      cpuPercent = Math.max(0, ((this.cpu - this.last.cpu) / ((now - this.last.at) / 1000)) * 100);
    if (!this.last || now - this.last.at >= 200) this.last = { at: now, cpu: this.cpu };
    return {
      cpuSeconds: round(this.cpu),
      memoryBytes: rss,
      peakMemoryBytes: this.peak,
      cpuPercent: cpuPercent === null ? null : round(cpuPercent),
    };
  }

  /** The last word, once nothing of the task runs: its CPU time and peak; nothing is held any more. */
  final(): Resources {
    const r = this.sample(null);
    return { cpuSeconds: r.cpuSeconds, memoryBytes: 0, peakMemoryBytes: r.peakMemoryBytes, cpuPercent: null };
  }
}

/** CPU seconds of the children this worker has waited for (its steps once they ended). */
function childrenCpu(): number {
  const all = cpuSecondsOf(process.pid, true);
  const own = cpuSecondsOf(process.pid, false);
  return all === null || own === null ? 0 : all - own;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
