import type { Command } from 'commander';
import { writeOut } from './output.js';

/** `pause [project]` or `resume [project]`: the queue's state, kept in the state dir. */
export function registerPause(program: Command, paused: boolean): void {
  const verb = paused ? 'pause' : 'resume';
  program
    .command(verb)
    .description(
      paused
        ? 'stop starting queued tasks (of one project, or all); running ones go on'
        : 'start queued tasks again (of one project, or all: every pause is lifted)',
    )
    .argument('[project]', 'only this project')
    .addHelpText('after', `\nExamples:\n  dev-tools ${verb}\n  dev-tools ${verb} web`)
    .action(async (project: string | undefined) => {
      const [{ openContext }, { setPaused, describePause, isPaused }] = await Promise.all([
        import('./context.js'),
        import('../runner/queue-control.js'),
      ]);
      const ctx = await openContext({ lastValidConfig: true });
      const state = await setPaused(ctx.store, ctx.config, project ?? null, paused);
      const scope = project ? `project ${project}` : 'the queue';
      if (!paused && project && isPaused(state, project)) {
        writeOut(`resumed ${scope}, but all projects are still paused (dev-tools resume)\n`);
        return;
      }
      writeOut(`${paused ? 'paused' : 'resumed'} ${scope}${paused ? ': queued tasks wait, running ones go on' : ''}\n`);
      const now = describePause(state);
      if (now && !paused) writeOut(`still ${now}\n`);
    });
}
