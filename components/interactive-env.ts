// Read by the UI's packages when they are first imported: Ink reads CI (is-in-ci)
// and DEV (React DevTools), React reads NODE_ENV.
const HIDDEN_VARS = ['CI', 'CONTINUOUS_INTEGRATION', 'DEV'] as const;

/**
 * Loads the interactive UI as a real terminal needs it: CI variables hidden (Ink
 * would print only the last frame), DEV hidden (many shells export DEV=true for
 * their own tools; to Ink it means "connect to React DevTools", whose package is
 * not shipped, and a read of its own package.json that the bundle does not have),
 * React's production build (a frame costs about half), and no global `fetch`: Yoga
 * (Ink's layout engine) is WebAssembly in a data: URL, which its loader fetches when
 * `fetch` exists, loading undici and web streams (~40 ms of the first frame here) to
 * decode bytes it has in hand; without it, it decodes them itself. All are put back
 * at once, so tasks launched later see the environment unchanged.
 */
export async function withInteractiveEnv<T>(load: () => Promise<T>): Promise<T> {
  const saved = [...HIDDEN_VARS, 'NODE_ENV'].map((name) => [name, process.env[name]] as const);
  for (const name of HIDDEN_VARS) delete process.env[name];
  // React and Ink's reconciler must load as the same build: `load` brings in both.
  if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = 'production';
  // The property itself, not its value: reading the value could load what is avoided here.
  const fetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (fetch?.configurable) delete (globalThis as { fetch?: unknown }).fetch;
  try {
    return await load();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (fetch?.configurable) Object.defineProperty(globalThis, 'fetch', fetch);
  }
}
