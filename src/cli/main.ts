import { Command, CommanderError } from 'commander';
import { describeError, TaskError, UsageError } from '../core/errors.js';
import { printable } from '../core/terminal-text.js';
import { colorEnabled, disableColor, isTerminal, writeOut } from './output.js';
import { programsStarted } from '../runner/program.js';
import { registerTask } from './task.js';
import { registerStatus } from './status.js';
import { registerLogs } from './logs.js';
import { registerCancel } from './cancel.js';
import { registerRestart } from './restart.js';
import { registerWait } from './wait.js';
import { registerApprove } from './approve.js';
import { registerReject } from './reject.js';
import { registerClean } from './clean.js';
import { registerUi } from './ui.js';
import { registerDemo } from './demo.js';
import { registerDiff } from './diff.js';
import { registerPause } from './pause.js';
import { registerPriority } from './priority.js';
import { registerSend } from './send.js';
import { registerAttach } from './attach.js';

/** Every subcommand, in the order of the help; `task` also takes the words after "--". */
const SUBCOMMANDS: Record<string, (program: Command, commandAfterDashes: string[] | null) => void> = {
  task: registerTask,
  status: registerStatus,
  logs: registerLogs,
  cancel: registerCancel,
  restart: registerRestart,
  wait: registerWait,
  pause: (p) => registerPause(p, true),
  resume: (p) => registerPause(p, false),
  priority: registerPriority,
  approve: registerApprove,
  reject: registerReject,
  send: registerSend,
  attach: registerAttach,
  diff: registerDiff,
  clean: registerClean,
  ui: registerUi,
  demo: registerDemo,
};

// Output straight to the file descriptors: process.stdout and process.stderr cost a
// few milliseconds to make, and a command printing to a file or a pipe needs neither.
const OUTPUT = {
  writeOut: (str: string) => writeOut(str, 1),
  writeErr: (str: string) => writeOut(str, 2),
  // commander's own complaints (a missing argument, an unknown option) in dev-tools' words: `dev-tools: ...`.
  outputError: (str: string, write: (s: string) => void) => write(str.replace(/^error: /, 'dev-tools: ')),
  getOutHelpWidth: () => (isTerminal(1) ? process.stdout.columns : 80),
  getErrHelpWidth: () => (isTerminal(2) ? process.stderr.columns : 80),
  getOutHasColors: () => colorEnabled(1),
  getErrHasColors: () => colorEnabled(2),
};

/**
 * `commandAfterDashes`: the words after "--" (`task`'s command), never parsed as options.
 * `subcommand`: the one named on the command line, the only one built then (the
 * others only for help, a typo's suggestion, or none given).
 */
function buildProgram(commandAfterDashes: string[] | null, subcommand: string | undefined): Command {
  const program = new Command('dev-tools')
    .description('Run long developer tasks as detached background workers, with progress, ETA, a queue and a live dashboard.')
    .version('0.1.0', '-V, --version')
    .option('--no-color', 'plain output, no colour (NO_COLOR is honoured too)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput(OUTPUT)
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
  const only = subcommand !== undefined && Object.hasOwn(SUBCOMMANDS, subcommand);
  for (const [name, register] of Object.entries(SUBCOMMANDS)) if (!only || name === subcommand) register(program, commandAfterDashes);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(OUTPUT);
  return program;
}

function fail(message: string, code: number): never {
  // Messages quote paths, config values and task fields: cleaned before they reach the terminal.
  writeOut(`dev-tools: ${printable(message)}\n`, 2);
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
  const program = buildProgram(commandAfterDashes, args[0]);
  try {
    await program.parseAsync(args, { from: 'user' });
    // An onFinish hook this command started (it reaped a task, cancelled a queued one) is under way before it exits.
    await programsStarted();
  } catch (err) {
    await programsStarted();
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a bare `dev-tools` (help on stderr) and bad usage exit 2.
      process.exit(err.exitCode === 0 ? 0 : 2); // commander already printed the reason
    }
    if (err instanceof UsageError) fail(err.message, 2);
    if (err instanceof TaskError) fail(err.message, 1);
    if (process.env.DEV_TOOLS_DEBUG) writeOut(`${(err as Error)?.stack}\n`, 2);
    fail(`unexpected error: ${describeError(err)}`, 1);
  }
}

void main(process.argv);
