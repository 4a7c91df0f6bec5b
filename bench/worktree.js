// The worktree section: what isolation adds between launching a task and its first
// stage starting, on a repo of ~5,000 files, against the same task without isolation;
// and what recording the diff adds between the command's end and the final state.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { makeHome, makeTempDir } from './fixtures.js';
import { stats } from './timing.js';

const FILES = 5000;

function git(cwd, ...args) {
  const r = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** A repo of `FILES` small source files in 50 folders (about 20 MiB on disk checked out), one commit, packed. */
function makeRepo() {
  const repo = makeTempDir('wt-repo');
  git(repo, 'init', '-q', '-b', 'main');
  for (let d = 0; d < 50; d++) {
    const dir = join(repo, 'src', `mod${d}`);
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < FILES / 50; f++) {
      writeFileSync(join(dir, `file${f}.ts`), `export const value${f} = ${d * 1000 + f};\n`.repeat(40));
    }
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  // Packed, as a cloned repo is (5,000 loose objects make a checkout three times slower).
  git(repo, 'repack', '-adq');
  git(repo, 'prune-packed');
  return repo;
}

/**
 * @param ctx { dt, cliEnv, drain, readTask, row, notes, methods, rounds }: the bench's helpers.
 */
export async function benchWorktree({ dt, cliEnv, drain, readTask, row, notes, methods, rounds }) {
  const repo = makeRepo();
  const home = makeHome('worktree');
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({ projects: { plain: { cwd: repo }, iso: { cwd: repo, isolation: 'worktree' } } }),
  );
  const env = cliEnv(home);
  const marks = join(home, 'marks');
  // The command notes when it started and when it ends (ns since the epoch).
  const command = ['sh', '-c', `date +%s%N > "${marks}/$DEV_TOOLS_TASK_ID.start"; date +%s%N > "${marks}/$DEV_TOOLS_TASK_ID.end"`];
  mkdirSync(marks);
  const samples = { plain: { first: [], end: [] }, iso: { first: [], end: [] }, copy: [] };
  const copies = makeTempDir('wt-copy');
  const warmup = 2;
  for (let r = 0; r < warmup + rounds; r++) {
    // Each timed part starts with nothing left to write back (the repo just made, the last round's files).
    spawnSync('sync');
    // What writing the same files costs this filesystem, whatever makes them.
    const c0 = performance.now();
    spawnSync('cp', ['-r', join(repo, 'src'), join(copies, String(r))]);
    if (r >= warmup) samples.copy.push(performance.now() - c0);
    rmSync(join(copies, String(r)), { recursive: true, force: true });
    spawnSync('sync');
    for (const project of r % 2 ? ['plain', 'iso'] : ['iso', 'plain']) {
      spawnSync('sync');
      const t0 = Date.now();
      const [bin, ...args] = dt('task', project, `round ${r}`, '-b', '--json', '--', ...command);
      const res = spawnSync(bin, args, { env, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`launch failed: ${res.stderr}`);
      const id = JSON.parse(res.stdout).id;
      if (!(await drain(home, 60_000))) throw new Error(`task ${id} did not finish within 60 s`);
      const task = readTask(home, id);
      if (task?.status !== 'completed') throw new Error(`task ${id} is ${task?.status}: ${task?.error ?? ''}`);
      const ms = (file) => Number(BigInt(readFileSync(join(marks, `${id}.${file}`), 'utf8').trim()) / 1_000_000n);
      if (r >= warmup) {
        samples[project].first.push(ms('start') - t0);
        // The final write is the rename into done/: its mtime (completedAt is taken before the diff).
        samples[project].end.push(statSync(join(home, 'tasks', 'done', `${id}.json`)).mtimeMs - ms('end'));
      }
      // Untimed: the next round starts from a repo with no extra worktree.
      if (task.worktree) {
        git(repo, 'worktree', 'remove', '--force', task.worktree.path);
        git(repo, 'branch', '-D', task.worktree.branch);
      }
    }
  }
  const plainFirst = stats(samples.plain.first);
  const isoFirst = stats(samples.iso.first);
  row('worktree', `launch to first stage, worktree task, repo of ${FILES.toLocaleString('en-US')} files`, isoFirst, {
    baseline: plainFirst,
    baselineLabel: 'the same task without isolation',
    goal: 'report',
    note: `adds ${(isoFirst.median - plainFirst.median).toFixed(0)} ms (median)`,
  });
  row('worktree', 'command end to final state (the worktree task records its diff)', stats(samples.iso.end), {
    baseline: stats(samples.plain.end),
    baselineLabel: 'the same task without isolation',
    goal: 'report',
  });
  row(
    'worktree',
    `\`cp -r\` of the same ${FILES.toLocaleString('en-US')} files (what writing them costs this filesystem)`,
    stats(samples.copy),
    {
      goal: 'context',
    },
  );
  if (samples.iso.first.length < rounds) notes.push('worktree: some rounds are missing');
  methods.worktree =
    `A repo of ${FILES} files (50 folders, ~1.3 KiB each, one commit, packed as a clone is) in a temp dir; two projects on it, \`plain\` and \`iso\` ` +
    '(`"isolation": "worktree"`). Each round launches `task <project> … -b -- sh -c …` for both, in alternating order; the command writes ' +
    "`date +%s%N` first thing and last thing. Launch to first stage = the command's first timestamp − the bench's clock just before spawning " +
    'the launch; command end to final state = the mtime of the task file renamed into done/ − its last timestamp. The bench waits, untimed, until the worker has exited, then ' +
    `removes the worktree and its branch so every round starts alike. ${rounds} rounds after 2 warm-up rounds. ` +
    'Before each timed part the bench runs `sync` (untimed), so no write-back of earlier files is paid inside it. ' +
    "Context: each round also times `cp -r` of the repo's files into a temp dir: a worktree cannot cost less than writing its files.";
}
