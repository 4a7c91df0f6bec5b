// The test harness: a temporary DEV_TOOLS_HOME, the CLI run as a user runs it, polling
// with deadlines, and a cleanup that ends every process a test started.
// Over 250 lines: every test file leans on it, and its cleanup must know every way a
// process of a task can be left behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isFinal, type TaskJson } from '../../src/core/task.js';
import { isAlive } from '../../src/runner/proc.js';
import { removeTaskCgroups } from '../fixtures/cgroups.js';
import { BIN, childEnv, killGroup, pidsWithEnv, processesWithArgs, RECORD_IMPORTS, waitFor } from '../fixtures/index.js';

// The shared fixtures these tests have always taken from here.
export {
  alive,
  BIN,
  groupMembers,
  killGroup,
  pidsWithEnv,
  RECORD_IMPORTS,
  RECORD_SPAWNS,
  ROOT,
  sleep,
  waitFor,
} from '../fixtures/index.js';
/** What the fast commands must not load, and the bundled UI must not load from node_modules (nor Node's fetch). */
export const HEAVY_MODULE =
  /node_modules\/(ink|ink-select-input|ink-text-input|react|react-reconciler|chokidar|execa|zod|yoga-layout)\/|^node:internal\/deps\/undici$/;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A temporary state directory and the CLI pointed at it; `cleanup` ends every process it started. */
export class Harness {
  readonly home: string;
  /** The CLI to run: this checkout's, or an installed package's (end-to-end tests). */
  readonly bin: string;
  private children: ChildProcess[] = [];

  constructor(opts: { bin?: string } = {}) {
    this.home = mkdtempSync(join(tmpdir(), 'dev-tools-test-'));
    this.bin = opts.bin ?? BIN;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...childEnv(), DEV_TOOLS_HOME: this.home, NO_COLOR: '1', ...extra };
    delete env.FORCE_COLOR;
    return env;
  }

  /** Runs the CLI to completion (for commands that return quickly). */
  run(args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string; timeoutMs?: number } = {}): RunResult {
    const r = spawnSync(process.execPath, [this.bin, ...args], {
      env: this.env(opts.env),
      cwd: opts.cwd ?? this.home,
      input: opts.input ?? '',
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs the CLI with the import recorder: its exit code and every module URL it resolved. */
  runRecordingImports(args: string[]): { code: number | null; modules: string[] } {
    const out = join(this.home, 'imports.txt');
    rmSync(out, { force: true });
    const r = spawnSync(process.execPath, ['--import', RECORD_IMPORTS, this.bin, ...args], {
      env: this.env({ RECORD_IMPORTS_TO: out }),
      cwd: this.home,
      encoding: 'utf8',
    });
    return { code: r.status, modules: readFileSync(out, 'utf8').split('\n').filter(Boolean) };
  }

  /** Starts the CLI without waiting (foreground tasks, wait, logs -f). */
  start(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): RunningCli {
    const child = spawn(process.execPath, [this.bin, ...args], {
      env: this.env(opts.env),
      cwd: opts.cwd ?? this.home,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.children.push(child);
    return new RunningCli(child);
  }

  /** `task <project> <desc> -b --json -- cmd...` and the new task. */
  launch(project: string, description: string, command: string[], extra: string[] = []): TaskJson {
    const r = this.run(['task', project, description, '-b', '--json', ...extra, '--', ...command]);
    if (r.code !== 0) throw new Error(`launch failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as TaskJson;
  }

  sh(project: string, script: string, extra: string[] = []): TaskJson {
    return this.launch(project, `run ${project}`, ['sh', '-c', script], extra);
  }

  writeConfig(config: unknown): void {
    writeFileSync(join(this.home, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  }

  task(id: string): TaskJson {
    for (const p of [join(this.home, 'tasks', `${id}.json`), join(this.home, 'tasks', 'done', `${id}.json`)]) {
      try {
        return JSON.parse(readFileSync(p, 'utf8')) as TaskJson;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') continue;
      }
    }
    // Between the final write and the move to done/, retry once.
    return JSON.parse(readFileSync(join(this.home, 'tasks', 'done', `${id}.json`), 'utf8')) as TaskJson;
  }

  allTasks(): TaskJson[] {
    const out: TaskJson[] = [];
    for (const dir of [join(this.home, 'tasks'), join(this.home, 'tasks', 'done')]) {
      for (const name of safeReaddir(dir)) {
        if (!name.endsWith('.json')) continue;
        try {
          out.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as TaskJson);
        } catch {
          // moved or mid-rename
        }
      }
    }
    return out;
  }

  log(id: string): string {
    try {
      return readFileSync(join(this.home, 'logs', `${id}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Waits for one of `statuses`. For a final one, also for the task's worker to exit:
   * after its final write it still archives the file, releases the scheduler lock and
   * may start queued tasks, and a test reading the state dir must not race that.
   */
  async waitForStatus(id: string, statuses: string[], timeoutMs = 30_000): Promise<TaskJson> {
    const deadline = Date.now() + timeoutMs;
    const t = await waitFor(
      () => {
        try {
          const t = this.task(id);
          return statuses.includes(t.status) ? t : undefined;
        } catch {
          return undefined;
        }
      },
      `task ${id} to be ${statuses.join('/')}`,
      timeoutMs,
    );
    if (!isFinal(t.status) || typeof t.pidStartTime !== 'number') return t;
    await waitFor(() => !isAlive(t.pid, t.pidStartTime) || undefined, `the worker of ${id} to exit`, Math.max(5000, deadline - Date.now()));
    return this.task(id);
  }

  /**
   * Waits until no process started for this state dir is left: workers, their commands,
   * hooks, group stoppers, CLIs (each carries DEV_TOOLS_HOME in its environment). After
   * it nothing more happens here unless the test starts it: what a test checks did not
   * happen is checked then, not after a sleep.
   */
  async settled(timeoutMs = 30_000): Promise<void> {
    const env = `DEV_TOOLS_HOME=${this.home}`;
    await waitFor(() => pidsWithEnv(env).length === 0 || undefined, `every process of ${this.home} to exit`, timeoutMs, 50);
  }

  /** Kills every process group a task of this home started, and every CLI child. */
  cleanup(): void {
    for (const t of this.allTasks()) {
      for (const pid of [t.commandPid, t.pid]) if (pid) killGroup(pid);
    }
    for (const c of this.children) if (c.pid) killGroup(c.pid);
    // Workers may have been spawned but not recorded yet: find them by their state dir argument.
    for (const { pid, pgid } of processesWithArgs(this.home)) {
      if (pgid) killGroup(pgid);
      killGroup(pid);
    }
    // Commands of tasks not recorded in any task file (a worker killed before its first write):
    // they carry this state dir in their environment.
    for (const pid of pidsWithEnv(`DEV_TOOLS_HOME=${this.home}`)) killGroup(pid);
    removeTaskCgroups(this.home);
    rmSync(this.home, { recursive: true, force: true });
  }
}

export class RunningCli {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  signal(sig: NodeJS.Signals): void {
    if (this.child.pid) process.kill(this.child.pid, sig);
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Makes the maintenance sweeps due (they run at most once every 10 s per state dir):
 * the next command that runs the scheduler sweeps, as the first one after a while does.
 */
export function maintenanceDue(home: string): void {
  rmSync(join(home, 'maintained'), { force: true });
}
