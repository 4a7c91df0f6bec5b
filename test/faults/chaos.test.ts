// Chaos: tasks launched from several shells at a limit of 4 (a third of the commands
// ignore TERM, some run in a git worktree made through a slow post-checkout hook that
// leaves a process behind) while workers, CLIs and group stoppers are SIGKILLed at
// random, and workers are stopped and killed at chosen points (worktree creation and
// onFinish among them). /proc is sampled every 50 ms. In the end: every task final, none
// run twice, no process of any task alive, never more than 4 tasks with a live command,
// and each ran, and had its onFinish run once, with its own shell's environment. Where
// the machine gives cgroups, a quarter of the commands also start a `setsid` escapee
// (a session of its own, outside the task's process group): none may be left either.
//
// `npm test` runs it for CHAOS_SECONDS (default 20); `npm run soak` for longer, with
// the figures written to CHAOS_REPORT (see test/faults/RELIABILITY.md).
// Over 250 lines: one scenario, with its checks and the record of what it did.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFinal, type TaskJson } from '../../src/core/task.js';
import { RUNTIME_FILES } from '../../src/runner/runtime-files.js';
import { Harness, sleep, waitFor, type RunningCli } from '../integration/harness.js';
import { makeRepo } from '../fixtures/index.js';
import { describeLive, pidsMatching, procState, taskProcesses } from './fault-kit.js';
import { cgroupFolder, taskCgroups } from '../fixtures/cgroups.js';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 20);
const LIMIT = 4;
const PROJECT_LIMIT = 3;
const SHELLS = ['A', 'B', 'C'];
// A worker told to stop at one of these (see DEV_TOOLS_TEST_STOP_AT in the worker) is killed there.
const POINTS = ['spawned', 'stage-spawned', 'final-write', 'worktree-add', 'finish-hook'];
/** The onFinish hook's shell (before and after it execs the user's line): not a command of the task. */
const HOOK = /dev-tools-onfinish|chaos-onfinish/;
/** Escapees (started with setsid by a command) need a cgroup to be stopped: only where the machine gives one. */
const CGROUPS = cgroupFolder() !== null;
/** An escapee's command line, told apart from every other sleep of the run. */
const ESCAPEE = 'sleep 27.5';

/** Past the kills: enough for a task claimed by a killed CLI to be reaped as never started (15 s). */
const DRAIN_MS = 45_000;

/** A file's text, or '' (a process or cgroup gone meanwhile). */
function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A process's command line, spaces between its arguments. */
function commandLine(pid: number): string {
  return readOr(`/proc/${pid}/cmdline`).split('\0').filter(Boolean).join(' ');
}

/** A small seeded generator, so a failing run can be replayed with CHAOS_SEED. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let h: Harness;
beforeEach(() => {
  h = new Harness();
});
afterEach(() => {
  h.cleanup();
});

interface Figures {
  seed: number;
  seconds: number;
  launches: number;
  confirmed: number;
  tasks: number;
  ran: number;
  kills: { worker: number; cli: number; stopper: number; atPoint: number };
  samples: number;
  /** Samples with exactly LIMIT tasks alive: the limit was under pressure, not idle. */
  samplesAtLimit: number;
  maxLiveTasks: number;
  limitBreaches: number;
  /** Launches with --after, --timeout, --retries; tasks that timed out, and extra attempts that ran. */
  queueControls: { after: number; timeout: number; retries: number; timedOut: number; retried: number };
  /** A task that started before a dependency of it had completed, or ran although one did not complete. */
  dependencyBreaches: number;
  lost: number;
  doubled: number;
  wrongEnvironment: number;
  /** Worktree tasks launched; the git hook's leftovers and the onFinish runs are checked as the rest. */
  worktreeTasks: number;
  hooksRun: number;
  hooksLost: number;
  hooksDoubled: number;
  hooksWrongEnvironment: number;
  notFinal: number;
  /** How the tasks' processes were held (cgroup where the machine gives one). */
  containment: string;
  /** Commands that started a setsid escapee, and escapees alive at the end. */
  escapees: number;
  escaped: number;
  /** Tasks whose log says processes their command left running were stopped when it exited (escapees among them). */
  leftoversStopped: number;
  orphans: number;
  drainMs: number;
}

describe('chaos', () => {
  it(
    `${SECONDS} s of launches from ${SHELLS.length} shells at a limit of ${LIMIT} under random SIGKILLs: all final, none twice, no orphan, never over the limit`,
    { timeout: (SECONDS + 120) * 1000 },
    async () => {
      const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
      const rand = random(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const spans = join(h.home, 'spans');
      const hooks = join(h.home, 'hooks');
      // An attempt after a failed one (--retries) is a start of its own: `<id>#<attempt>`.
      const record = `echo "start $DEV_TOOLS_TASK_ID\${DEV_TOOLS_ATTEMPT:+#$DEV_TOOLS_ATTEMPT} $SHELL_NAME $SECRET_TOKEN $(date +%s%3N)" >> ${spans}`;
      // Worktree tasks: git checks out through a slow hook that leaves a process behind, so kills land during it.
      const repo = makeRepo(join(h.home, 'repo'));
      writeFileSync(join(repo, '.git', 'hooks', 'post-checkout'), '#!/bin/sh\nsleep 0.4 & sleep 0.2\nexit 0\n', { mode: 0o755 });
      // Some tasks are two-stage pipelines, so a worker can be killed at a stage transition.
      h.writeConfig({
        maxParallelTasks: LIMIT,
        cancelGraceMs: 300,
        onFinish: `: chaos-onfinish; echo "hook $DEV_TOOLS_TASK_ID $SHELL_NAME $SECRET_TOKEN" >> ${hooks}`,
        projects: {
          // Its own limit under the global one: the sampler checks both.
          chaos: { maxParallel: PROJECT_LIMIT },
          tree: { cwd: repo, isolation: 'worktree' },
          pipe: {
            cwd: h.home,
            stages: [
              { name: 'one', run: `${record}; sleep 0.3` },
              { name: 'two', run: `trap '' TERM; sleep 0.6 & sleep 0.6; wait; echo "end $DEV_TOOLS_TASK_ID" >> ${spans}` },
            ],
          },
        },
      });
      writeFileSync(spans, '');
      writeFileSync(hooks, '');
      expect(h.run(['status']).code).toBe(0); // creates the state dir
      const figures: Figures = {
        seed,
        seconds: SECONDS,
        launches: 0,
        confirmed: 0,
        tasks: 0,
        ran: 0,
        kills: { worker: 0, cli: 0, stopper: 0, atPoint: 0 },
        samples: 0,
        samplesAtLimit: 0,
        maxLiveTasks: 0,
        limitBreaches: 0,
        queueControls: { after: 0, timeout: 0, retries: 0, timedOut: 0, retried: 0 },
        dependencyBreaches: 0,
        lost: 0,
        doubled: 0,
        wrongEnvironment: 0,
        worktreeTasks: 0,
        hooksRun: 0,
        hooksLost: 0,
        hooksDoubled: 0,
        hooksWrongEnvironment: 0,
        notFinal: 0,
        containment: CGROUPS ? 'cgroup' : 'process-group',
        escapees: 0,
        escaped: 0,
        leftoversStopped: 0,
        orphans: 0,
        drainMs: 0,
      };
      const breaches: string[] = [];
      const clis = new Set<RunningCli>();
      const confirmed = new Map<string, string>(); // id -> the shell that launched it
      const end = Date.now() + SECONDS * 1000;
      let stop = false;

      // Any CLI may start workers (a launch, status, cancel all run the scheduler): one in five
      // tells the workers it starts to stop at a chosen point, where the killer finds them.
      const cli = (args: string[], env: Record<string, string>): RunningCli => {
        const point: Record<string, string> = rand() < 0.2 ? { DEV_TOOLS_TEST_STOP_AT: pick(POINTS) } : {};
        const c = h.start(args, { env: { ...env, ...point } });
        clis.add(c);
        void c.exited.then(() => clis.delete(c));
        return c;
      };
      const queuedCount = () => readdirSync(join(h.home, 'tasks')).filter((f) => f.endsWith('.json')).length;

      // One loop per shell: launch (a third ignore TERM; a fifth are two-stage pipelines),
      // and now and then status, cancel or wait, as a user would.
      const shell = async (name: string) => {
        const env = { SHELL_NAME: name, SECRET_TOKEN: `secret-of-${name}` };
        for (let n = 0; !stop; n++) {
          const roll = rand();
          if (roll < 0.7 && queuedCount() < LIMIT * 3) {
            const seconds = (0.8 + rand() * 1.7).toFixed(2);
            const stubborn = rand() < 1 / 3 ? `trap '' TERM; ` : '';
            // Started from a subshell that exits at once: the command's `wait` does not wait for it
            // (setsid execs in place when its caller leads no group, so `setsid x &` would be waited for).
            const escapee = CGROUPS && rand() < 1 / 4 ? `(setsid ${ESCAPEE} &); ` : '';
            if (escapee) figures.escapees++;
            // The queue's controls: after a task launched before, a timeout some runs exceed, a retry of a first attempt that fails.
            const controls: string[] = [];
            const earlier = [...confirmed.keys()].slice(-8);
            if (earlier.length && rand() < 0.3) controls.push('--after', pick(earlier));
            if (rand() < 0.15) controls.push('--timeout', '2s');
            const retried = rand() < 0.2;
            if (retried) controls.push('--retries', '1');
            const failFirst = retried ? `[ "$DEV_TOOLS_ATTEMPT" = 2 ] || exit 3; ` : '';
            const body = `${stubborn}${escapee}${record}; sleep ${seconds} & sleep ${seconds}; wait; ${failFirst}echo "end $DEV_TOOLS_TASK_ID" >> ${spans}`;
            const kind = rand();
            const what =
              kind < 0.2
                ? ['pipe', `${name}-${n}`, '-b', '--json']
                : [kind < 0.4 ? 'tree' : 'chaos', `${name}-${n}`, '-b', '--json', ...controls, '--', 'sh', '-c', body];
            if (what.includes('--after')) figures.queueControls.after++;
            if (what.includes('--timeout')) figures.queueControls.timeout++;
            if (what.includes('--retries')) figures.queueControls.retries++;
            if (what[0] === 'tree') figures.worktreeTasks++;
            figures.launches++;
            const c = cli(['task', ...what], env);
            const code = await c.exited;
            if (code === 0) {
              try {
                confirmed.set((JSON.parse(c.stdout) as TaskJson).id, name);
              } catch {
                // killed after exit code 0 could not happen; a cut line is simply not counted
              }
            }
          } else if (roll < 0.85) {
            await cli(['status'], env).exited;
          } else if (roll < 0.93) {
            const ids = [...confirmed.keys()];
            if (ids.length) await cli(['cancel', pick(ids)], env).exited;
          } else {
            const ids = [...confirmed.keys()];
            if (ids.length) {
              const w = cli(['wait', pick(ids)], env);
              await Promise.race([w.exited, sleep(1500)]);
            }
          }
          await sleep(50 + rand() * 250);
        }
      };

      // A worker that stopped itself at a chosen point is killed there (also while draining:
      // a worker started by one that carried the point stops there too).
      const killAtPoints = () => {
        for (const pid of pidsMatching(RUNTIME_FILES.worker, h.home)) {
          if (procState(pid) !== 'T') continue;
          try {
            process.kill(pid, 'SIGKILL');
            figures.kills.atPoint++;
          } catch {
            // gone
          }
        }
      };
      // SIGKILL at random: workers, CLIs, group stoppers.
      const killer = async () => {
        while (!stop) {
          killAtPoints();
          // Group stoppers live only through a grace: each one seen is a target half the time.
          for (const pid of pidsMatching(RUNTIME_FILES.groupStopper, h.home)) {
            if (rand() >= 0.5) continue;
            try {
              process.kill(pid, 'SIGKILL');
              figures.kills.stopper++;
            } catch {
              // done already
            }
          }
          const kind = pick(['worker', 'worker', 'cli', 'cli', 'cli'] as const);
          const victims = kind === 'worker' ? pidsMatching(RUNTIME_FILES.worker, h.home) : [...clis].map((c) => c.child.pid!);
          if (victims.length) {
            try {
              process.kill(pick(victims), 'SIGKILL');
              figures.kills[kind]++;
            } catch {
              // exited on its own meanwhile
            }
          }
          await sleep(150 + rand() * 450);
        }
      };

      const projects = new Map<string, string>();
      const projectOf = (id: string): string | undefined => {
        if (!projects.has(id)) {
          try {
            projects.set(id, h.task(id).project);
          } catch {
            return undefined; // between files: read at the next sample
          }
        }
        return projects.get(id);
      };

      // /proc every 50 ms: how many tasks have a live command (a step's prelude that has not
      // exec'd runs nothing of the task, and is left out: see STEP_PRELUDE).
      const sampler = setInterval(() => {
        const live = taskProcesses(h.home, { commandsOnly: true, ignore: HOOK });
        figures.samples++;
        figures.maxLiveTasks = Math.max(figures.maxLiveTasks, live.size);
        if (live.size === LIMIT) figures.samplesAtLimit++;
        const ofChaos = [...live.keys()].filter((id) => projectOf(id) === 'chaos').length;
        if (live.size > LIMIT || ofChaos > PROJECT_LIMIT) {
          figures.limitBreaches++;
          if (breaches.length < 5) {
            breaches.push(`${new Date().toISOString()} ${[...live.keys()].join(',')}`);
            // What each live task was at that moment, to see which count missed it.
            for (const [id, pids] of live) console.log(`[breach] ${id} ${describeLive(h.home, id, pids)}`);
          }
        }
      }, 50);

      try {
        const loops = [...SHELLS.map((s) => shell(s)), killer()];
        // A machine loaded by more than this test launches less in the time: up to as long again for enough launches.
        while (Date.now() < end || (figures.launches <= SECONDS && Date.now() < end + SECONDS * 1000)) await sleep(200);
        stop = true;
        await Promise.all(loops);
        // Drain: no more kills; a user's `status` now and then moves what is left.
        const drainStart = Date.now();
        await waitFor(
          () => {
            killAtPoints();
            h.run(['status']);
            const all = h.allTasks();
            const hooked = new Set(
              readFileSync(hooks, 'utf8')
                .split('\n')
                .map((l) => l.split(' ')[1]),
            );
            const settled =
              all.every((t) => isFinal(t.status) && hooked.has(t.id)) &&
              taskProcesses(h.home).size === 0 &&
              readdirSync(join(h.home, 'run')).length === 0;
            return settled || undefined;
          },
          'every task to be final and every process of them gone',
          DRAIN_MS,
          500,
        ).catch(() => undefined);
        figures.drainMs = Date.now() - drainStart;
        await sleep(300);
      } finally {
        clearInterval(sampler);
        stop = true;
      }

      const all = h.allTasks();
      // By `<id>` for a first attempt, `<id>#<n>` for another: each may start once.
      const starts = new Map<string, { count: number; shell: string; secret: string; at: number }>();
      for (const line of readFileSync(spans, 'utf8').split('\n')) {
        const [what, id, shellName, secret, at] = line.split(' ');
        if (what !== 'start' || !id) continue;
        const s = starts.get(id) ?? { count: 0, shell: shellName!, secret: secret!, at: Number(at) };
        s.count++;
        starts.set(id, s);
      }
      const firstStart = (id: string) => starts.get(id) ?? starts.get(`${id}#1`);
      for (const t of all) {
        if (t.timedOut) figures.queueControls.timedOut++;
        if (starts.has(`${t.id}#2`)) figures.queueControls.retried++;
        const s = firstStart(t.id);
        if (!s || !t.after?.length) continue;
        for (const dep of t.after) {
          const d = all.find((x) => x.id === dep);
          if (d?.status !== 'completed' || Date.parse(d.completedAt!) > s.at) {
            figures.dependencyBreaches++;
            console.log(`[dependency breach] ${t.id} started at ${s.at}; ${dep}: ${d?.status} ${d?.completedAt}`);
          }
        }
      }
      figures.confirmed = confirmed.size;
      figures.tasks = all.length;
      figures.ran = all.filter((t) => firstStart(t.id)).length;
      figures.lost = [...confirmed.keys()].filter((id) => !all.some((t) => t.id === id)).length;
      figures.doubled = [...starts.values()].filter((s) => s.count > 1).length;
      figures.notFinal = all.filter((t) => !isFinal(t.status)).length;
      // Each command ran with the environment of the shell that launched it (its description says which).
      for (const [key, s] of starts) {
        const t = all.find((x) => x.id === key.split('#')[0]);
        const launcher = t?.description.split('-')[0];
        if (!t || s.shell !== launcher || s.secret !== `secret-of-${launcher}`) figures.wrongEnvironment++;
      }
      // Every final task had its onFinish run once, in the environment of the shell that launched it.
      const hookRuns = new Map<string, string[]>();
      for (const line of readFileSync(hooks, 'utf8').split('\n')) {
        const [what, id, shellName, secret] = line.split(' ');
        if (what === 'hook' && id) hookRuns.set(id, [...(hookRuns.get(id) ?? []), `${shellName} ${secret}`]);
      }
      figures.hooksRun = [...hookRuns.values()].reduce((n, runs) => n + runs.length, 0);
      figures.hooksDoubled = [...hookRuns.values()].filter((runs) => runs.length > 1).length;
      figures.hooksLost = all.filter((t) => isFinal(t.status) && !hookRuns.has(t.id)).length;
      for (const t of all) {
        const launcher = t.description.split('-')[0];
        if ((hookRuns.get(t.id) ?? []).some((env) => env !== `${launcher} secret-of-${launcher}`)) figures.hooksWrongEnvironment++;
      }
      const left = taskProcesses(h.home, { ignore: HOOK });
      figures.orphans = [...left.values()].reduce((n, pids) => n + pids.length, 0);
      // This run's only (another run on the machine has escapees of its own).
      figures.escaped = [...left.values()].flat().filter((pid) => commandLine(pid) === ESCAPEE).length;
      figures.leftoversStopped = all.filter((t) => /stopped \d+ process(es)? it left running/.test(h.log(t.id))).length;
      for (const t of all.filter((x) => !isFinal(x.status))) {
        // What a stuck task looked like, to reproduce it (with CHAOS_SEED) and see why.
        let ledger: string[] = [];
        try {
          ledger = readdirSync(join(h.home, 'run', t.id)).map((f) => `${f}=${readFileSync(join(h.home, 'run', t.id, f), 'utf8').trim()}`);
        } catch {
          // no ledger
        }
        const worker = t.pid ? `worker ${t.pid}: ${procState(t.pid) ?? 'gone'} wchan=${readOr(`/proc/${t.pid}/wchan`)}` : 'no worker';
        const cgroup = ledger.find((l) => l.startsWith('cgroup='))?.slice('cgroup='.length);
        const held = cgroup
          ? `cgroup ${readOr(join(cgroup, 'cgroup.events')).replace(/\n/g, ' ')}procs ${readOr(join(cgroup, 'cgroup.procs'))
              .split('\n')
              .filter(Boolean)
              .map((p) => `${p}=${commandLine(Number(p))}`)
              .join('|')}`
          : '';
        console.log(
          `[stuck] ${JSON.stringify(t)} ledger=${JSON.stringify(ledger)} ${worker} ${held} log=${JSON.stringify(h.log(t.id).slice(-500))}`,
        );
      }
      const report = JSON.stringify(figures);
      console.log(`[figure] chaos: ${report}`);
      if (process.env.CHAOS_REPORT) writeFileSync(process.env.CHAOS_REPORT, `${JSON.stringify(figures, null, 2)}\n`);

      // It launched all along: one launch every 2 s at least (a CLI takes seconds at a load average of 14 on 2 cores).
      expect(figures.launches).toBeGreaterThanOrEqual(SECONDS / 2);
      expect(figures.ran).toBeGreaterThan(0);
      expect(figures.kills.worker + figures.kills.atPoint).toBeGreaterThan(0);
      expect(figures.kills.cli).toBeGreaterThan(0);
      expect({ notFinal: figures.notFinal, stuck: all.filter((t) => !isFinal(t.status)).map((t) => `${t.id}:${t.status}`) }).toEqual({
        notFinal: 0,
        stuck: [],
      });
      expect(figures.lost).toBe(0);
      expect(figures.doubled).toBe(0);
      expect(figures.dependencyBreaches).toBe(0);
      expect(figures.wrongEnvironment).toBe(0);
      expect({ lost: figures.hooksLost, doubled: figures.hooksDoubled, wrongEnvironment: figures.hooksWrongEnvironment }).toEqual({
        lost: 0,
        doubled: 0,
        wrongEnvironment: 0,
      });
      expect({ orphans: figures.orphans, left: [...left.entries()] }).toEqual({ orphans: 0, left: [] });
      expect({ breaches: figures.limitBreaches, first: breaches }).toEqual({ breaches: 0, first: [] });
      expect(figures.maxLiveTasks).toBeLessThanOrEqual(LIMIT);
      expect(readdirSync(join(h.home, 'run'))).toEqual([]);
      expect(figures.escaped).toBe(0);
      expect(taskCgroups(h.home)).toEqual([]);
      // A launch environment is left only where the launcher was killed before its task file existed
      // (swept a minute later); none belongs to a task.
      const envLeft = readdirSync(join(h.home, 'env')).map((f) => f.replace(/\.json$/, ''));
      expect(envLeft.filter((id) => all.some((t) => t.id === id))).toEqual([]);
    },
  );
});
