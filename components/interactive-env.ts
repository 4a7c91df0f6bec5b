// Ink reads CI (is-in-ci) and React reads NODE_ENV when they are first imported.
const CI_VARS = ['CI', 'CONTINUOUS_INTEGRATION'] as const;

/**
 * Loads the interactive UI as a real terminal needs it: CI variables hidden (Ink
 * would print only the last frame) and React's production build (a frame costs
 * about half). Both are put back at once, so tasks launched later see the
 * environment unchanged.
 */
export async function withInteractiveEnv<T>(load: () => Promise<T>): Promise<T> {
  const saved = [...CI_VARS, 'NODE_ENV'].map((name) => [name, process.env[name]] as const);
  for (const name of CI_VARS) delete process.env[name];
  // React and Ink's reconciler must load as the same build: `load` brings in both.
  if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = 'production';
  try {
    return await load();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
