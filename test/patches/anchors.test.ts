// Each patch of bin/patches against the dependency as installed: the exact version it was
// written for, pinned in package.json, and the text it replaces found exactly once. A new
// version of the package, or a change to the text, fails here (and fails the build).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatch, checkVersion, CLI_PATCHES, targetOf, UI_PATCHES } from '../../bin/patches/index.mjs';
import { ROOT } from './bundle.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  overrides: Record<string, string>;
};
const patches = [...CLI_PATCHES, ...UI_PATCHES];

describe.each(patches.map((p) => [`${p.package}/${p.file}`, p] as const))('the patch of %s', (_, patch) => {
  it('was written for the version installed, and package.json pins that version', () => {
    expect(() => checkVersion(patch)).not.toThrow();
    const pin = Object.entries(manifest.overrides).find(([key]) => key === patch.package || key.startsWith(`${patch.package}@`));
    expect(pin, `an override for ${patch.package}`).toBeDefined();
    const pinned = pin![1].startsWith('$') ? manifest.dependencies[pin![1].slice(1)] : pin![1];
    expect(pinned).toBe(patch.version);
  });

  it('finds each text it replaces exactly once, and says why it exists', () => {
    const text = readFileSync(targetOf(patch), 'utf8');
    const patched = applyPatch(patch, text);
    expect(patched).not.toBe(text);
    for (const [, to] of patch.edits) expect(patched).toContain(to);
    expect(patch.why.length).toBeGreaterThan(20);
  });

  it('refuses a file whose text changed, naming the patch', () => {
    const text = readFileSync(targetOf(patch), 'utf8');
    const [from] = patch.edits[0]!;
    const changed = text.replace(
      from,
      from.replace(/\w/, (c: string) => (c === 'x' ? 'y' : 'x')),
    );
    expect(() => applyPatch(patch, changed)).toThrow(/check its patch in bin\/patches/);
    expect(() => applyPatch(patch, text + text)).toThrow(/found 2 times/);
  });
});
