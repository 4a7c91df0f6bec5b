import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { CLEAR_SCREEN, ENTER_SCREEN, LEAVE_SCREEN } from '../core/terminal-codes.js';
import { Action, keysFor } from '../../components/keymap.js';
import type { Context } from './context.js';
import { firstFrame } from './first-frame.js';
import { colorEnabled, writeOut } from './output.js';

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description(
      `open the live dashboard (full screen; ${keysFor('table', Action.Quit)} quits, ${keysFor('table', Action.Help)} lists the keys)`,
    )
    .addHelpText('after', '\nExamples:\n  dev-tools ui\n  DEV_TOOLS_HOME=/tmp/state dev-tools ui')
    .action(async () => {
      const { openContext } = await import('./context.js');
      const ctx = await openContext();
      await openDashboard(ctx);
    });
}

export async function openDashboard(ctx: Context): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    // One line as the others: `dev-tools: ui needs …` (the prefix comes from main).
    throw new UsageError('ui needs an interactive terminal; use dev-tools status');
  }
  // Taken before the UI loads (which hides CI and sets NODE_ENV while Ink and React load):
  // tasks launched from the dashboard run with the environment of the shell that opened it.
  const environment = { ...process.env };
  // The tasks on screen now, while Ink loads; the dashboard takes the screen over from here.
  writeOut(
    `${ENTER_SCREEN}${CLEAR_SCREEN}${firstFrame(ctx.store, ctx.config.maxParallelTasks, process.stdout.columns, process.stdout.rows)}`,
  );
  // Until the dashboard runs (and takes these over), Ctrl+C is still a signal: the screen is left on the way out.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const leave = (signal: NodeJS.Signals) => {
    writeOut(LEAVE_SCREEN);
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGHUP' ? 1 : 15));
  };
  for (const s of signals) process.on(s, leave);
  let runDashboard;
  try {
    const { loadDashboard } = await import('./load-ui.js');
    ({ runDashboard } = await loadDashboard());
  } catch (err) {
    writeOut(LEAVE_SCREEN);
    throw err;
  } finally {
    for (const s of signals) process.off(s, leave);
  }
  await runDashboard({ store: ctx.store, config: ctx.config, color: colorEnabled(), environment, screenEntered: true });
}
