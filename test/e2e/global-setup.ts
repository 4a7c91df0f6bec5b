// The e2e project's global setup: the package packed and installed once for all its
// files (npm pack, then npm ci into a temporary prefix), removed when they are done.
import type { TestProject } from 'vitest/node';
import { installPackage, type Installed } from './installed.js';

declare module 'vitest' {
  export interface ProvidedContext {
    installedPackage: Installed;
  }
}

export default function setup(project: TestProject): () => void {
  const { remove, ...pkg } = installPackage();
  project.provide('installedPackage', pkg);
  return remove;
}
