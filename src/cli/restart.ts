import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { launchState } from '../core/task-view.js';
import { collect, printLaunched, runInForeground } from './task.js';
import { writeOut } from './output.js';
import { addQueueOptions, queueSpec, type QueueOptions } from './queue-options.js';

export function registerRestart(program: Command): void {
  const cmd = program
    .command('restart')
    .description('run a finished task again as a new task (same project, command or stages, cwd, env)')
    .argument('<id>', 'task id or a unique prefix of one')
    .option('-b, --background', 'start a detached worker and return at once')
    .option('--json', 'print the new task object (with -b)')
    .option('--executor <name>', 'run it on this executor ("local" or one of config.json) instead of the one it ran on')
    .option('--tty', 'run it in a terminal of its own (send / attach), whether or not it ran in one')
    .option('--no-tty', 'run it without a terminal, though it ran in one')
    .option('--sbatch-arg <arg>', 'one more sbatch option, after those it ran with (repeatable): --sbatch-arg=--time=8:00:00', collect, []);
  addQueueOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  dev-tools restart mh3k\n  dev-tools restart mh3k -b\n  dev-tools restart mh3k -b --executor local\n  dev-tools restart mh3k -b --sbatch-arg=--time=8:00:00   # a Slurm task that reached its time limit\n  dev-tools restart mh3k -b --after k2x9   # once k2x9 completed (its timeout, retries and priority are kept unless given)\n  dev-tools restart mh3k -b --tty                         # in a terminal of its own this time (send / attach)',
    )
    .action(
      async (
        idInput: string,
        opts: QueueOptions & { background?: boolean; json?: boolean; executor?: string; sbatchArg: string[]; tty?: boolean },
      ) => {
        const queue = queueSpec(opts);
        if (opts.json && !opts.background) throw new UsageError('--json goes with -b (a foreground task streams its output)');
        const [{ openContext }, { restartTask }] = await Promise.all([import('./context.js'), import('../runner/launch.js')]);
        const ctx = await openContext();
        const id = ctx.store.resolveId(idInput);
        const result = await restartTask(ctx.store, ctx.config, id, process.env, opts.executor, opts.sbatchArg, undefined, opts.tty, queue);
        if (opts.background) return printLaunched(ctx, result, Boolean(opts.json));
        writeOut(`restarted as ${result.task.id}${result.started ? '' : ` (${launchState(result)})`}\n`, 2);
        process.exitCode = await runInForeground(ctx, result.task);
      },
    );
}
