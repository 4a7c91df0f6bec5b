// An entry point of the bundled UI (dist/ui): Ink, React and App load with this
// module, so whoever imports it decides the environment they load under.
import { basename } from 'node:path';
import { render, type RenderOptions } from 'ink';
import { CLEAR_SCREEN, colorsAllowed, ENTER_SCREEN, LEAVE_SCREEN } from '../src/core/terminal-codes.js';
import type { Config } from '../src/store/config.js';
import type { TaskStore } from '../src/store/tasks.js';
import { pollReason, StateWatch } from '../src/store/watch.js';
import { runnerActions, type DashboardActions } from './actions.js';
import { App } from './App.js';
import { ColorContext } from './useColor.js';
import { StateWatchContext } from './useStateWatch.js';

export interface RunDashboardOptions {
  store: TaskStore;
  config: Config;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Defaults to the runner's functions (the same code as the subcommands). */
  actions?: DashboardActions;
  /** Colours on or off (NO_COLOR, --no-color); defaults to what this environment allows. */
  color?: boolean;
  /** The caller entered the alternate screen and drew there (src/cli/first-frame.ts). */
  screenEntered?: boolean;
  /** The environment tasks launched from here run with: the shell's, as it was before the UI loaded. */
  environment?: NodeJS.ProcessEnv;
}

/** Full-screen dashboard; resolves when the user quits. The alternate screen is left on every way out. */
export async function runDashboard(opts: RunDashboardOptions): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  let inAlt = false;
  const leave = () => {
    if (!inAlt) return;
    inAlt = false;
    stdout.write(LEAVE_SCREEN);
  };
  if (opts.screenEntered) {
    // The CLI drew a first picture there while this loaded: the first frame replaces it whole.
    const write = stdout.write;
    stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      stdout.write = write;
      return write.call(
        stdout,
        typeof chunk === 'string' ? CLEAR_SCREEN + chunk : Buffer.concat([Buffer.from(CLEAR_SCREEN), chunk]),
        ...rest,
      );
    }) as typeof stdout.write;
  } else {
    stdout.write(ENTER_SCREEN);
  }
  inAlt = true;

  let instance: ReturnType<typeof render> | null = null;
  const fatal = (err: unknown) => {
    try {
      instance?.unmount();
    } catch {
      // Already torn down; leaving the screen is what matters now.
    }
    leave();
    process.stderr.write(`dev-tools ui: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      instance?.unmount();
    } catch {
      // See fatal().
    }
    leave();
    process.exit(128 + (signal === 'SIGHUP' ? 1 : 15));
  };
  const handlers: [string, (...args: never[]) => void][] = [
    ['exit', leave],
    ['uncaughtException', fatal],
    ['unhandledRejection', fatal],
    ['SIGTERM', onSignal],
    ['SIGHUP', onSignal],
  ];
  for (const [event, fn] of handlers) process.on(event, fn as (...args: unknown[]) => void);

  try {
    const defaultProject =
      basename(process.cwd())
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 64) || 'adhoc';
    // Events where they can be trusted; polling where another machine writes (a shared filesystem, a cluster).
    const watch = new StateWatch(opts.store.paths, { poll: pollReason(opts.store.paths, opts.config) });
    // wholeFrameAfterResize: an option of the bundled Ink (bin/build.mjs): after a resize the next frame is drawn whole.
    const options: RenderOptions & { wholeFrameAfterResize: boolean } = {
      stdin,
      stdout,
      exitOnCtrlC: true,
      incrementalRendering: true,
      wholeFrameAfterResize: true,
      patchConsole: true,
      maxFps: 20,
    };
    instance = render(
      <ColorContext.Provider value={opts.color ?? colorsAllowed(process.env)}>
        <StateWatchContext.Provider value={watch}>
          <App
            store={opts.store}
            config={opts.config}
            actions={opts.actions ?? runnerActions(opts.store, opts.environment)}
            defaultProject={defaultProject}
          />
        </StateWatchContext.Provider>
      </ColorContext.Provider>,
      options,
    );
    await instance.waitUntilExit();
  } finally {
    // After Ink's final unmount, so its last frame lands in the alternate screen.
    leave();
    for (const [event, fn] of handlers) process.off(event, fn as (...args: unknown[]) => void);
  }
}
