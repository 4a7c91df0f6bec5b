/**
 * Ink decides at import time (is-in-ci) whether to draw live frames. The dashboard
 * and the picker decide from the TTY instead: CI variables are hidden while Ink
 * loads and put back at once, so tasks launched later still see them.
 */
export async function withInteractiveImport<T>(load: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const key of Object.keys(process.env)) {
    if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_') || key === 'BUILD_NUMBER' || key === 'RUN_ID') {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  }
  try {
    return await load();
  } finally {
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  }
}
