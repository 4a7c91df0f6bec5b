// A real terminal for the dashboard benchmarks: a private tmux server (its own
// socket) with one 160x50 pane, watched through a tmux control-mode client.
//
// Control mode (`tmux -C attach`) streams every byte the pane's program writes to
// its pty as `%output` lines the moment tmux reads them, which is the moment tmux
// updates its screen. The bench timestamps each line as it arrives (an event, no
// polling, no `capture-pane` process per sample), so "when did the screen show X"
// is the arrival of the bytes that draw X, and the bytes of each frame can be
// counted. Commands (respawn-pane, send-keys, display) go over the same client's
// stdin, so sending a key costs no process start either.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Decodes a %output payload: tmux writes bytes < 0x20 and `\` as \ooo octal. */
function decode(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c && i + 3 < s.length + 1 && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      out.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else out.push(c);
  }
  return Buffer.from(out);
}

export class TmuxTerminal {
  /** Starts a tmux server with one pane of cols x rows; `env` is what the pane's programs get. */
  static async start({ dir, cols = 160, rows = 50, env }) {
    const t = new TmuxTerminal(dir, cols, rows, env);
    try {
      await t.#start();
    } catch (err) {
      t.close();
      throw err;
    }
    return t;
  }

  constructor(dir, cols, rows, env) {
    this.dir = dir;
    this.cols = cols;
    this.rows = rows;
    this.env = { ...env };
    delete this.env.TMUX;
    delete this.env.TMUX_PANE;
    this.sock = join(dir, 'tmux.sock');
    /** Every chunk of pane output: { t (performance.now()), data (Buffer) }. */
    this.chunks = [];
    this.waiters = new Set();
    this.pending = [];
    this.scripts = 0;
  }

  tmux(...args) {
    return spawnSync('tmux', ['-S', this.sock, ...args], { env: this.env, encoding: 'utf8', timeout: 20_000 });
  }

  async #start() {
    // -f /dev/null: none of the user's tmux settings; no status line, so the pane is the whole 160x50.
    const r = this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      String(this.cols),
      '-y',
      String(this.rows),
      '-s',
      'bench',
      'exec sleep 86400',
    );
    if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
    for (const opt of [
      ['set', '-g', 'status', 'off'],
      ['set', '-g', 'window-size', 'manual'],
      ['set', '-g', 'remain-on-exit', 'on'],
      ['set', '-g', 'default-terminal', 'screen-256color'],
      ['resize-window', '-t', 'bench', '-x', String(this.cols), '-y', String(this.rows)],
    ])
      this.tmux(...opt);
    this.control = spawn('tmux', ['-S', this.sock, '-C', 'attach', '-t', 'bench'], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.controlError = '';
    this.control.stderr.on('data', (d) => (this.controlError += d));
    this.control.on('exit', (code, signal) => {
      // Every command still waiting would otherwise only time out: say why at once.
      this.gone = `the tmux control client exited (${code ?? signal}) ${this.controlError.trim()} ${this.lastLines.join(' | ')}`.trim();
      for (const done of this.pending.splice(0)) done({ ok: false, lines: [this.gone] });
    });
    this.lastLines = [];
    let buf = '';
    let block = null;
    this.control.stdout.setEncoding('latin1');
    this.control.stdout.on('data', (d) => {
      const t = performance.now();
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('%output')) this.lastLines = [...this.lastLines.slice(-4), line.slice(0, 200)];
        if (block) {
          if (line.startsWith('%end') || line.startsWith('%error')) {
            // Flags 1: the answer to a command this client sent (0: e.g. the attach itself).
            if (block.mine) this.pending.shift()?.({ ok: line.startsWith('%end'), lines: block.lines });
            block = null;
          } else block.lines.push(line);
        } else if (line.startsWith('%begin')) block = { mine: line.split(' ')[3] === '1', lines: [] };
        else if (line.startsWith('%output ')) {
          const sp = line.indexOf(' ', 8);
          const chunk = { t, data: decode(line.slice(sp + 1)) };
          this.chunks.push(chunk);
          for (const w of this.waiters) w(chunk);
        }
      }
    });
    this.pane = (await this.command("display -p '#{pane_id}'")).lines[0];
    if (!/^%\d+$/.test(this.pane ?? '')) throw new Error(`tmux control client: no pane id (${this.pane})`);
    const size = (await this.command("display -p '#{pane_width}x#{pane_height}'")).lines[0];
    if (size !== `${this.cols}x${this.rows}`) throw new Error(`tmux pane is ${size}, not ${this.cols}x${this.rows}`);
  }

  /** A tmux command over the control client; resolves with its output lines. */
  command(cmd) {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(new Error(`tmux command ${cmd}: ${this.gone}`));
      const timer = setTimeout(
        () => reject(new Error(`tmux command timed out: ${cmd} (last control lines: ${this.lastLines.join(' | ')})`)),
        20_000,
      );
      this.pending.push((res) => {
        clearTimeout(timer);
        resolve(res);
      });
      this.control.stdin.write(`${cmd}\n`);
    });
  }

  /** Bytes the pane received since `t0` (performance.now()), as one latin1/utf8 string. */
  textSince(t0) {
    return Buffer.concat(this.chunks.filter((c) => c.t >= t0).map((c) => c.data)).toString('utf8');
  }

  /** Resolves with the time of the chunk at or after `t0` that completes `match` (on all text since t0), or null. */
  waitFor(t0, match, timeoutMs = 10_000) {
    let text = '';
    for (const c of this.chunks) {
      if (c.t < t0) continue;
      text += c.data.toString('latin1');
      if (match(text)) return Promise.resolve(c.t);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(null);
      }, timeoutMs);
      const w = (c) => {
        if (c.t < t0) return;
        text += c.data.toString('latin1');
        if (match(text)) {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(c.t);
        }
      };
      this.waiters.add(w);
    });
  }

  /** Waits until no output came for `quietMs` (at most `maxMs`); returns the time of the last chunk. */
  async settle(quietMs, maxMs = 10_000) {
    const end = performance.now() + maxMs;
    while (performance.now() < end) {
      const last = this.chunks.at(-1)?.t ?? 0;
      if (performance.now() - last >= quietMs) return last;
      await sleep(Math.min(20, quietMs / 2));
    }
    return this.chunks.at(-1)?.t ?? 0;
  }

  /**
   * Runs `command` (an sh line) in the pane, replacing what ran there: the pane's
   * shell prints a ready mark and waits for Enter, so the start is timed from the
   * key, not from tmux creating the pane. Returns { t0, pid } (pid: the program,
   * which the shell exec's).
   */
  async launch(command, env = {}) {
    const script = join(this.dir, `run-${++this.scripts}.sh`);
    const exports = Object.entries(env)
      .map(([k, v]) => (v === null ? `unset ${k}` : `export ${k}='${String(v).replace(/'/g, `'\\''`)}'`))
      .join('\n');
    const ready = `@@ready${this.scripts}@@`;
    writeFileSync(script, `${exports}\nprintf '%s' '${ready}'\nread _ignored\nprintf '\\033[H\\033[2J'\nexec ${command}\n`);
    const mark = performance.now();
    const res = await this.command(`respawn-pane -k -t ${this.pane} "sh ${script}"`);
    if (!res.ok) throw new Error(`tmux respawn-pane failed: ${res.lines.join(' ')}`);
    if ((await this.waitFor(mark, (s) => s.includes(ready), 10_000)) === null) {
      throw new Error(`the pane shell did not start; the pane shows: ${JSON.stringify((await this.screen()).trim().slice(-300))}`);
    }
    const pid = Number((await this.command(`display -p -t ${this.pane} '#{pane_pid}'`)).lines[0]);
    await sleep(30); // the shell reaches `read`
    const t0 = performance.now();
    this.control.stdin.write(`send-keys -t ${this.pane} Enter\n`);
    this.pending.push(() => {});
    return { t0, pid };
  }

  /** Types keys into the pane (tmux key names, e.g. `j`, `Enter`); resolves once tmux took them. */
  async keys(...names) {
    await this.command(`send-keys -t ${this.pane} ${names.join(' ')}`);
  }

  /** Sends keys without waiting; returns the time they were sent. */
  keysAt(...names) {
    const t = performance.now();
    this.control.stdin.write(`send-keys -t ${this.pane} ${names.join(' ')}\n`);
    this.pending.push(() => {});
    return t;
  }

  /** The visible screen as text (what a user sees), for sanity checks. */
  async screen() {
    return Buffer.from((await this.command(`capture-pane -p -t ${this.pane}`)).lines.join('\n'), 'latin1').toString('utf8');
  }

  /** Kills what runs in the pane (SIGHUP, as closing a terminal does) and waits for it to exit. */
  async stopPane(pid, timeoutMs = 5000) {
    await this.command(`respawn-pane -k -t ${this.pane} "exec sleep 86400"`);
    const end = Date.now() + timeoutMs;
    while (pid && Date.now() < end) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await sleep(20);
    }
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }

  close() {
    try {
      this.control?.stdin.end();
      this.control?.kill('SIGKILL');
    } catch {
      // gone
    }
    this.tmux('kill-server');
  }
}

/**
 * Groups chunks into frames: a frame is a burst of output with no gap longer
 * than `gapMs` inside it (one frame reaches tmux in a few reads within a
 * millisecond or two; a renderer capped at 20 frames a second leaves 50 ms).
 * A frame is full-screen when it clears the screen or touches (erases, or
 * reaches by newline or cursor positioning) at least rows - 1 rows.
 */
export function frames(chunks, gapMs = 8) {
  const out = [];
  for (const c of chunks) {
    const f = out.at(-1);
    if (f && c.t - f.end <= gapMs) {
      f.end = c.t;
      f.bytes += c.data.length;
      f.parts.push(c.data);
    } else out.push({ start: c.t, end: c.t, bytes: c.data.length, parts: [c.data] });
  }
  for (const f of out) {
    const text = Buffer.concat(f.parts).toString('latin1');
    delete f.parts;
    f.clears = (text.match(/\x1b\[2J/g) ?? []).length;
    f.eraseLines = (text.match(/\x1b\[2?K/g) ?? []).length;
    // Rows this frame (re)writes: erased lines, or lines reached by newline or cursor positioning.
    const moves = (text.match(/\n/g) ?? []).length + (text.match(/\x1b\[\d*(;\d*)?[Hf]/g) ?? []).length;
    f.rowsTouched = Math.max(f.eraseLines, moves);
    f.text = text;
  }
  return out;
}
