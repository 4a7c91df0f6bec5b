import type { Command } from 'commander';
import { worktreeBranch } from '../core/diff.js';
import { UsageError } from '../core/errors.js';
import { launchState } from '../core/task-view.js';
import { isFinal, startFailure, taskToJson, type Task } from '../core/task.js';
import { printable } from '../core/terminal-text.js';
import type { LaunchResult } from '../runner/launch.js';
import type { Context } from './context.js';
import { addQueueOptions, queueSpec, type QueueOptions } from './queue-options.js';
import { isTerminal, paint, printJson, writeOut } from './output.js';

interface TaskOptions extends QueueOptions {
  background?: boolean;
  queue: boolean;
  json?: boolean;
  executor?: string;
  worktree?: boolean;
  base?: string;
  sbatchArg: string[];
  budget?: string;
  tty?: boolean;
}

/** `--budget 0.50`: dollars, more than 0. */
function budgetUsd(text: string | undefined): number | null {
  if (text === undefined) return null;
  const usd = /^\$?[0-9]+(\.[0-9]+)?$/.test(text.trim()) ? Number(text.trim().replace('$', '')) : NaN;
  if (!(usd > 0)) throw new UsageError(`--budget takes an amount in US dollars, more than 0 (--budget 0.50), not ${JSON.stringify(text)}`);
  return usd;
}

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `command`: the words after "--" on the command line, if any. */
export function registerTask(program: Command, command: string[] | null): void {
  const cmd = program
    .command('task')
    .description("run a task: the project's pipeline, or the command after --")
    .argument('<project>', 'project name (configured in config.json, or any label with -- <cmd>)')
    .argument('<description>', 'what the task does (quote it); reaches the command as $DEV_TOOLS_TASK_DESCRIPTION')
    .option('-b, --background', 'start a detached worker and return at once')
    .option('--no-queue', 'refuse instead of queueing when maxParallelTasks are running')
    .option('--executor <name>', 'where it runs: "local" or an executor of config.json (default: the project\'s, else local)')
    .option('--worktree', 'run it in a git worktree of its own (as a project with "isolation": "worktree")')
    .option('--no-worktree', "run it in the project's own directory, whatever its isolation")
    .option('--base <rev>', 'the commit a worktree task starts from (default: HEAD at launch)')
    .option(
      '--sbatch-arg <arg>',
      'an sbatch option for this task on a Slurm executor (repeatable): --sbatch-arg=--time=4:00:00',
      collect,
      [],
    )
    .option('--budget <usd>', 'stop it (failed) once its ::spend markers pass this many US dollars')
    .option('--tty', 'run it in a terminal of its own, to answer its questions: dev-tools send / attach (as a project with "tty": true)')
    .option('--no-tty', 'no terminal, whatever the project says')
    .option('--json', 'print the task object (with -b)');
  addQueueOptions(cmd)
    // Extra words are most likely a command without its "--": say so instead of "too many arguments".
    .allowExcessArguments(true)
    .addHelpText(
      'after',
      `
Examples:
  dev-tools task web "Build for release" -b -- npm run build
  dev-tools task web "Add login page"          # runs the stages of project "web"
  dev-tools task ml "Train" -b --executor hpc -- python train.py   # a batch job on the Slurm executor "hpc"
  dev-tools task ml "Train" -b --executor hpc --sbatch-arg=--time=8:00:00 --sbatch-arg=--mem=32G -- python train.py
  dev-tools task web "Try the fix" -b --worktree --base main -- make test   # in a worktree of its own, from main
  dev-tools task agents "Add login page" -b --budget 2.50   # stopped once its ::spend markers pass $2.50
  dev-tools task web "Fix the bug" -b --tty -- claude   # an agent that asks: dev-tools send / attach <id>
  id=$(dev-tools task ci "Unit tests" -b --json -- npm test | jq -r .id)
  dev-tools task ci "Deploy" -b --after "$id" --timeout 10m --retries 2 -- ./deploy.sh   # once the tests completed`,
    )
    .action(async (project: string, description: string, opts: TaskOptions, cmd: Command) => {
      if (cmd.args.length > 2) {
        const extra = cmd.args.slice(2).join(' ');
        const shown = extra.length > 60 ? `${extra.slice(0, 60)}…` : extra;
        throw new UsageError(
          `unexpected ${JSON.stringify(shown)} after the description: quote a description of several words, and put a command after -- (dev-tools task ${project} "…" -- ${shown})`,
        );
      }
      const budget = budgetUsd(opts.budget);
      const [{ openContext }, { launchTask }] = await Promise.all([import('./context.js'), import('../runner/launch.js')]);
      const ctx = await openContext();
      const result = await launchTask(ctx.store, ctx.config, {
        project,
        description,
        command,
        noQueue: !opts.queue,
        executor: opts.executor,
        worktree: opts.worktree,
        base: opts.base,
        sbatchArgs: opts.sbatchArg,
        budgetUsd: budget,
        tty: opts.tty,
        queue: queueSpec(opts),
      });
      for (const note of result.notes) writeOut(`${paint('yellow', note, 2)}\n`, 2);
      if (opts.background) return printLaunched(ctx, result, Boolean(opts.json));
      if (opts.json) throw new UsageError('--json goes with -b (a foreground task streams its output)');
      // Its id first, on stderr (stdout is the command's): to follow, cancel or restart it from another shell.
      const what = `${result.task.id} (${printable(project)}: ${printable(description.split('\n')[0]!).slice(0, 80)})`;
      writeOut(`${result.started ? `started ${what}` : `${what} ${launchState(result)}`}\n`, 2);
      process.exitCode = await runInForeground(ctx, result.task);
    });
}

/**
 * A foreground task: its output streamed until it ends; a `--tty` task in a terminal is
 * attached instead (what is typed reaches it; Ctrl+] leaves it running).
 */
export async function runInForeground(ctx: Context, task: Task): Promise<number> {
  if (task.tty && isTerminal(1) && process.stdin.isTTY && !isFinal(task.status)) {
    const { attachTo } = await import('./attach.js');
    const { pollUntil } = await import('../runner/sleep.js');
    // Queued: it is attached to once it starts.
    const started = await pollUntil(() => (ctx.store.get(task.id).status === 'queued' ? undefined : true), 24 * 3600 * 1000, 200);
    if (started && ctx.store.get(task.id).status === 'running') return attachTo(ctx, task.id);
  }
  const { runForeground } = await import('./foreground.js');
  return runForeground(ctx, task.id);
}

export function printLaunched(ctx: Context, result: LaunchResult, json: boolean): void {
  const { task } = result;
  // Its executor could not start it (sbatch refused it, no controller): a failure, as in the foreground.
  const refused = startFailure(task);
  if (refused) {
    process.exitCode = 1;
    writeOut(`dev-tools: task ${task.id} failed: ${printable(refused)}\n`, 2);
  }
  if (json) return printJson(taskToJson(task));
  if (refused) return;
  const state = result.started
    ? paint('cyan', 'started')
    : task.status === 'waiting'
      ? paint('blueBright', 'waiting for approval')
      : result.job
        ? paint('gray', 'submitted')
        : paint('gray', launchState(result));
  const lines = [
    `${state} ${paint('bold', task.id)} (${printable(task.project)}: ${printable(task.description.split('\n')[0]!).slice(0, 80)})`,
    ...(result.workerPid ? [`  worker:  pid ${result.workerPid}`] : []),
    ...(task.isolation
      ? [`  worktree: branch ${worktreeBranch(task.id)} from ${task.isolation.base.slice(0, 12)} (dev-tools diff ${task.id})`]
      : []),
    ...(result.job?.line ? [`  job:     ${printable(result.job.line)}`] : []),
    ...(task.tty ? [`  answer:  dev-tools send ${task.id} <text>   or   dev-tools attach ${task.id}`] : []),
    `  log:     ${printable(ctx.store.logPath(task.id))}`,
    `  follow:  dev-tools logs -f ${task.id}`,
    `  status:  dev-tools status`,
  ];
  writeOut(`${lines.join('\n')}\n`);
}
