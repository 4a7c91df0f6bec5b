// What the end-to-end tests of the dashboard share: the installed `dev-tools` run in a
// tmux window with its imports and spawns recorded, task files written as an earlier
// run leaves them, and a check that a frame is drawn whole.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskJson } from '../../src/core/task.js';
import { makeTaskJson, RECORD_IMPORTS, RECORD_SPAWNS, waitFor, writeTaskFile } from '../fixtures/index.js';
import { Harness } from '../integration/harness.js';
import type { Installed } from './installed.js';
import { Terminal } from './terminal.js';

/** What a dashboard test runs with: a state dir and the installed CLI on it, a tmux terminal, and this kit. */
export function openSession(pkg: Installed): { h: Harness; term: Terminal; kit: DashboardKit } {
  const h = new Harness({ bin: pkg.bin });
  return { h, term: new Terminal(), kit: new DashboardKit(pkg, h) };
}

/** Ends what a test started: the terminal (its tmux server), then every process of the state dir, and the dir. */
export function closeSession({ h, term }: { h: Harness; term: Terminal }): void {
  term.close();
  h.cleanup();
}

export class DashboardKit {
  constructor(
    private readonly pkg: Installed,
    private readonly h: Harness,
  ) {}

  /**
   * A shell line running the installed `dev-tools`, recording every module it loads and
   * every process it starts. CI=true on purpose: the dashboard decides from the TTY, not from CI.
   */
  devTools(args: string, env: Record<string, string> = {}): string {
    const vars = {
      DEV_TOOLS_HOME: this.h.home,
      CI: 'true',
      NO_COLOR: '1',
      RECORD_IMPORTS_TO: join(this.h.home, 'imports.txt'),
      RECORD_SPAWNS_TO: join(this.h.home, 'spawns.txt'),
      ...env,
    };
    const assignments = Object.entries(vars)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    return `${assignments} '${process.execPath}' --import '${RECORD_IMPORTS}' --import '${RECORD_SPAWNS}' '${this.pkg.bin}' ${args}`;
  }

  writeConfig(config: Record<string, unknown>): void {
    this.h.writeConfig({ cancelGraceMs: 500, ...config });
  }

  findTask(match: (t: TaskJson) => boolean, what: string): Promise<TaskJson> {
    return waitFor(() => this.h.allTasks().find(match), what, 20_000);
  }

  /** A finished or queued task written as a file, as a crash or an earlier run leaves it. */
  taskFile(id: string, fields: Partial<TaskJson>): TaskJson {
    const t = makeTaskJson({
      id,
      description: `task ${id}`,
      command: ['true'],
      cwd: this.h.home,
      status: 'completed',
      createdAt: new Date().toISOString(),
      ...fields,
    });
    // tasks/done/ made either way, as dev-tools makes it.
    mkdirSync(join(this.h.home, 'tasks', 'done'), { recursive: true, mode: 0o700 });
    return writeTaskFile(this.h.home, t);
  }
}

/** What is wrong with a screen as a whole dashboard frame of `rows` lines; null when nothing is. */
export function frameProblem(screen: string, rows: number): string | null {
  const lines = screen.split('\n').slice(0, rows);
  if (!lines[0]?.startsWith('dev-tools ')) return `line 1 is not the header: ${JSON.stringify(lines[0])}`;
  if (!/^\s+ID\s+PROJECT\s+STATUS/.test(lines[1] ?? '')) return `line 2 is not the table's header: ${JSON.stringify(lines[1])}`;
  // The description is the last column: a wider frame cropped by the terminal has lost it.
  if (!/DESCRIPTION$/.test(lines[1]!.trimEnd())) return `the table's header does not end with DESCRIPTION: ${JSON.stringify(lines[1])}`;
  // The frame is one line short of the terminal (its last line stays empty); the footer ends it.
  const footer = lines.findIndex((l) => /\bq quit\b/.test(l));
  if (footer !== rows - 2) return `the footer is on line ${footer + 1}, not ${rows - 1}`;
  if (lines.filter((l) => /\bq quit\b/.test(l)).length !== 1) return 'the footer shows more than once';
  if (lines.filter((l) => l.startsWith('dev-tools ')).length !== 1) return 'the header shows more than once';
  if ((lines[rows - 1] ?? '').trim() !== '') return `the last line is not empty: ${JSON.stringify(lines[rows - 1])}`;
  const panes = lines.filter((l) => /^[─▌] (log|diff)\b/.test(l)).length;
  if (panes > 1) return 'the log pane title shows more than once';
  const ids = lines.map((l) => /^[› ] ([a-z0-9]{8}) /.exec(l)?.[1]).filter((id): id is string => id !== undefined);
  if (new Set(ids).size !== ids.length) return 'a task row shows more than once';
  return null;
}

/** Waits until the terminal shows a whole frame (a resize redraws after the program hears of it). */
export async function seeWholeFrame(term: Terminal, rows: number, what: string, timeoutMs = 10_000): Promise<string> {
  try {
    return await waitFor(() => (frameProblem(term.screen(), rows) === null ? term.screen() : undefined), what, timeoutMs, 100);
  } catch (err) {
    const screen = term.screen();
    throw new Error(`${(err as Error).message}: ${frameProblem(screen, rows)}\n--- screen ---\n${screen}`, { cause: err });
  }
}
