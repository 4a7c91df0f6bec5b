import type { Command } from 'commander';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Action, keysFor } from '../../components/keymap.js';
import { TaskError, UsageError } from '../core/errors.js';
import { writeFileAtomic } from '../store/atomic.js';
import { openDashboard } from './ui.js';
import { writeOut } from './output.js';

// The dashboard's key for it, as the failing demo task tells the user.
const RESTART_KEY = keysFor('table', Action.Restart);

const SCRIPTS: Record<string, string> = {
  'plan.sh': `#!/bin/sh
echo "planning: $DEV_TOOLS_TASK_DESCRIPTION"
for step in read-spec outline split-work; do
  echo "::stage $step"
  echo "  $step..."
  sleep 1
done
`,
  'build.sh': `#!/bin/sh
# Prints progress markers: dev-tools turns them into a bar and an ETA.
n=\${1:-20}
# On its own (not a pipeline stage), name the phase so the table has a stage to show.
[ -n "$DEV_TOOLS_STAGE" ] || echo "::stage compile"
i=1
while [ $i -le $n ]; do
  echo "compiling module $i of $n"
  echo "::progress $((i * 100 / n)) module $i/$n"
  sleep 0.5
  i=$((i + 1))
done
echo "build finished"
`,
  'test.sh': `#!/bin/sh
i=1
while [ $i -le 12 ]; do
  echo "ok $i - test case $i"
  echo "::progress $((i * 100 / 12))"
  sleep 0.4
  i=$((i + 1))
done
`,
  'flaky.sh': `#!/bin/sh
# Fails on its first run, passes when run again: press ${RESTART_KEY} on the failed task.
marker=.integration-failed-once
echo "running integration tests"
echo "::progress 30"
sleep 2
if [ ! -e "$marker" ]; then
  : > "$marker"
  echo "FAIL: connection refused (demo failure: press ${RESTART_KEY} on this task, the next run passes)" >&2
  exit 3
fi
rm -f "$marker"
echo "::progress 70"
sleep 1
echo "all integration tests passed"
`,
};

// The worktree project's repo: an "agent" edits it, each task in a worktree of its own.
const REPO_FILES: Record<string, string> = {
  '.gitignore': '.env.local\n',
  '.env.local': 'API_KEY=demo-not-a-secret\n',
  'README.md': '# demo-agents\n\nA small repo that the demo tasks change, each in its own git worktree.\n',
  'src/parser.js': 'export function parse(text) {\n  return text.split(",");\n}\n',
  'setup.sh': `#!/bin/sh
# Runs in each fresh worktree before the stages (config "setup"): the copied .env.local is there.
echo "preparing the worktree (found $(cat .env.local | cut -d= -f1))"
for i in 1 2 3 4; do echo "::progress $((i * 25))"; sleep 0.4; done
`,
  'agent.sh': `#!/bin/sh
# A stand-in for a coding agent: edits files, commits part of the work, leaves the rest.
echo "agent: $DEV_TOOLS_TASK_DESCRIPTION"
i=1
while [ $i -le 6 ]; do
  echo "// $DEV_TOOLS_TASK_DESCRIPTION: step $i" >> src/parser.js
  echo "::progress $((i * 100 / 6)) editing step $i"
  sleep 0.5
  i=$((i + 1))
done
git add src/parser.js && git commit -qm "$DEV_TOOLS_TASK_DESCRIPTION" && echo "agent: committed on $(git branch --show-current)"
echo "notes for the reviewer" > NOTES.md
`,
};

const PROJECTS = {
  'demo-web': {
    cwd: '',
    env: { DEMO: '1' },
    stages: [
      { name: 'plan', run: './plan.sh' },
      { name: 'build', run: './build.sh 16' },
      { name: 'test', run: './test.sh' },
    ],
  },
  'demo-api': {
    cwd: '',
    env: {},
    stages: [
      { name: 'build', run: './build.sh 10' },
      { name: 'integration', run: './flaky.sh' },
    ],
  },
  'demo-agents': {
    cwd: '',
    env: {},
    isolation: 'worktree',
    setup: ['./setup.sh'],
    copy: ['.env.local'],
    stages: [{ name: 'agent', run: './agent.sh' }],
  },
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('set up demo projects, launch a few tasks and open the dashboard')
    .option('--here', 'use $DEV_TOOLS_HOME even when it holds projects or tasks of its own (the demo adds its own to them)')
    .addHelpText(
      'after',
      '\nUses ~/.dev-tools-demo as its state directory unless DEV_TOOLS_HOME is set; a DEV_TOOLS_HOME that holds\nprojects or tasks of its own is refused without --here.\n\nExample:\n  npx dev-tools demo',
    )
    .action(async (opts: { here?: boolean }) => {
      const [{ launchTask }, { openContext }] = await Promise.all([import('../runner/launch.js'), import('./context.js')]);
      if (!process.env.DEV_TOOLS_HOME) process.env.DEV_TOOLS_HOME = join(homedir(), '.dev-tools-demo');
      const home = process.env.DEV_TOOLS_HOME;
      // A real state directory: its config would gain the demo's projects, its onFinish would run for the demo's tasks.
      const inUse = opts.here ? null : await inUseBeyondDemo(home);
      if (inUse)
        throw new UsageError(
          `DEV_TOOLS_HOME=${home} is a state directory in use (${inUse}): the demo would add its projects and tasks to it; run it with --here to do that, or without DEV_TOOLS_HOME to use ~/.dev-tools-demo`,
        );
      mkdirSync(home, { recursive: true, mode: 0o700 });
      const dir = join(home, 'demo-project');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      rmSync(join(dir, '.integration-failed-once'), { force: true }); // each demo fails once again
      for (const [name, text] of Object.entries(SCRIPTS)) {
        writeFileSync(join(dir, name), text, { mode: 0o700 });
        chmodSync(join(dir, name), 0o700);
      }
      const repo = join(home, 'demo-repo');
      await makeDemoRepo(repo);
      writeDemoConfig(join(home, 'config.json'), dir, repo);
      const ctx = await openContext();
      const launches = [
        { project: 'demo-web', description: 'Add login page' },
        { project: 'demo-api', description: 'Rate limiter' },
        // Each in a git worktree of its own: the DIFF column, and d shows what it changed.
        { project: 'demo-agents', description: 'Refactor the parser' },
        { project: 'demo-agents', description: 'Handle quoted fields' },
        { project: 'demo-web', description: 'Dark mode', command: ['sh', './build.sh', '30'] },
        { project: 'demo-web', description: 'Nightly build', command: ['sh', './build.sh', '24'] },
        { project: 'demo-api', description: 'Regenerate client', command: ['sh', './test.sh'] },
      ];
      for (const spec of launches) {
        const r = await launchTask(ctx.store, ctx.config, spec);
        writeOut(`${r.started ? 'started' : 'queued '} ${r.task.id}  ${spec.project}: ${spec.description}\n`);
      }
      if (process.stdin.isTTY && process.stdout.isTTY) {
        await openDashboard(ctx);
        return;
      }
      writeOut(
        `\nNo terminal here, so no dashboard. Watch the demo with:\n  DEV_TOOLS_HOME=${home} dev-tools status\n  DEV_TOOLS_HOME=${home} dev-tools ui\n`,
      );
    });
}

/** What in a state directory is not the demo's (a config of its own, other projects' tasks), or null. */
async function inUseBeyondDemo(home: string): Promise<string | null> {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return 'a config.json the demo cannot read';
  }
  if (config !== undefined) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) return 'a config.json of its own';
    const { projects, ...rest } = config as Record<string, unknown>;
    const own = Object.keys(rest).filter((k) => k !== 'maxParallelTasks' && k !== 'cancelGraceMs');
    const others = Object.keys((projects as Record<string, unknown> | undefined) ?? {}).filter((p) => !Object.hasOwn(PROJECTS, p));
    if (own.length) return `config.json sets ${own.join(', ')}`;
    if (others.length) return `config.json has project ${others.join(', ')}`;
  }
  if (!existsSync(join(home, 'tasks'))) return null;
  const [{ TaskStore }, { statePaths }, { isBroken }] = await Promise.all([
    import('../store/tasks.js'),
    import('../store/paths.js'),
    import('../core/task.js'),
  ]);
  const tasks = new TaskStore(statePaths(home)).list(true).filter((e) => isBroken(e) || !Object.hasOwn(PROJECTS, e.project));
  return tasks.length ? `${tasks.length} task${tasks.length === 1 ? '' : 's'} of other projects` : null;
}

/** Adds the demo projects to the config, keeping whatever else is there. */
function writeDemoConfig(path: string, dir: string, repo: string): void {
  let config: Record<string, unknown> = { maxParallelTasks: 3, cancelGraceMs: 2000 };
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`config.json: cannot add the demo projects: ${(err as Error).message}`);
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new UsageError('config.json: must hold a JSON object');
  const projects = { ...((config.projects as Record<string, unknown> | undefined) ?? {}) };
  for (const [name, p] of Object.entries(PROJECTS)) projects[name] = { ...p, cwd: name === 'demo-agents' ? repo : dir };
  writeFileAtomic(path, `${JSON.stringify({ ...config, projects }, null, 2)}\n`);
}

/** The demo's own small git repo (made once; its worktree tasks start from its HEAD). */
async function makeDemoRepo(repo: string): Promise<void> {
  const { git, gitReason } = await import('../runner/git.js');
  if ((await git(repo, ['rev-parse', '--verify', '--quiet', 'HEAD'])).code === 0 && existsSync(join(repo, 'agent.sh'))) return;
  mkdirSync(join(repo, 'src'), { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(REPO_FILES))
    writeFileSync(join(repo, name), text, { mode: name.endsWith('.sh') ? 0o700 : 0o600 });
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['config', 'user.name', 'dev-tools demo'],
    ['config', 'user.email', 'demo@dev-tools.invalid'],
    ['add', '-A'],
    ['commit', '-qm', 'demo: a small repo'],
  ]) {
    const r = await git(repo, args);
    if (r.code !== 0) throw new TaskError(`cannot make the demo's git repo in ${repo}: ${gitReason(r)}`);
  }
}
