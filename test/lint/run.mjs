// `npm run lint`: eslint (with the layering rule), prettier --check and tsc --noEmit, side by
// side. Each is one thread, so on two cores the three take about half as long as one after
// the other. Each one's output is printed whole, in this order, once all have ended; the exit
// status is 1 when any failed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHECKS = [
  ['eslint', ['-c', 'test/lint/eslint.config.js']],
  ['prettier', ['--check', '{src,components,test}/**/*.{ts,tsx,mjs}', 'bin', 'bench/*.js', 'test/lint/eslint.config.js']],
  ['tsc', ['-p', 'test/tsconfig.json', '--noEmit']],
];

function run([name, args]) {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', name), args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('error', (err) => resolve({ name, code: 1, text: `${name}: ${err.message}\n` }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? 1, text: Buffer.concat(out).toString(), signal }));
  });
}

const results = await Promise.all(CHECKS.map(run));
let failed = false;
for (const r of results) {
  if (r.text) process.stdout.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
  if (r.code !== 0) {
    failed = true;
    process.stderr.write(`lint: ${r.name} failed (${r.signal ?? `exit ${r.code}`})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
