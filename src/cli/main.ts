import { Command, CommanderError } from 'commander';
import { describeError, TaskError, UsageError } from '../core/errors.js';
import { printable } from '../core/terminal-text.js';
import { disableColor } from './output.js';
import { registerTask } from './task.js';
import { registerStatus } from './status.js';
import { registerLogs } from './logs.js';
import { registerCancel } from './cancel.js';
import { registerRestart } from './restart.js';
import { registerWait } from './wait.js';
import { registerClean } from './clean.js';
import { registerUi } from './ui.js';
import { registerDemo } from './demo.js';
import { registerDiff } from './diff.js';

/** `commandAfterDashes`: the words after "--" (`task`'s command), never parsed as options. */
function buildProgram(commandAfterDashes: string[] | null): Command {
  const program = new Command('dev-tools')
    .description('Run long developer tasks as detached background workers, with progress, ETA, a queue and a live dashboard.')
    .version('0.1.0', '-V, --version')
    .option('--no-color', 'plain output, no colour (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) })
    .addHelpText(
      'after',
      `
Examples:
  dev-tools task web "Build the site" -b -- npm run build
  dev-tools status
  dev-tools logs -f mh3k
  dev-tools ui

State lives in $DEV_TOOLS_HOME (default ~/.dev-tools). Exit codes: 0 ok, 1 failure, 2 usage error.`,
    );
  registerTask(program, commandAfterDashes);
  for (const register of [
    registerStatus,
    registerLogs,
    registerCancel,
    registerRestart,
    registerWait,
    registerDiff,
    registerClean,
    registerUi,
    registerDemo,
  ]) {
    register(program);
  }
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: (str, write) => write(str) });
  return program;
}

function fail(message: string, code: number): never {
  // Messages quote paths, config values and task fields: cleaned before they reach the terminal.
  process.stderr.write(`dev-tools: ${printable(message)}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  let args = argv.slice(2);
  let commandAfterDashes: string[] | null = null;
  const dashes = args.indexOf('--');
  if (dashes >= 0) {
    commandAfterDashes = args.slice(dashes + 1);
    args = args.slice(0, dashes);
  }
  if (args.includes('--no-color')) disableColor();
  const program = buildProgram(commandAfterDashes);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a bare `dev-tools` (help on stderr) and bad usage exit 2.
      process.exit(err.exitCode === 0 ? 0 : 2); // commander already printed the reason
    }
    if (err instanceof UsageError) fail(err.message, 2);
    if (err instanceof TaskError) fail(err.message, 1);
    if (process.env.DEV_TOOLS_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
    fail(`unexpected error: ${describeError(err)}`, 1);
  }
}

await main(process.argv);
