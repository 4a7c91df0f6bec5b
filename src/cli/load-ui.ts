import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withInteractiveEnv } from '../../components/interactive-env.js';

type Dashboard = typeof import('../../components/run-dashboard.js');
type Picker = typeof import('../../components/run-picker.js');

// `npm run build` bundles the terminal UI (Ink, React and their forty-odd packages)
// into dist/ui: one module graph to load instead of hundreds of files, which is
// most of `dev-tools ui`'s start-up. The compiled modules are the fallback when
// only tsc ran.
async function load<T>(entry: string, unbundled: () => Promise<T>): Promise<T> {
  const bundled = new URL(`../../ui/${entry}.js`, import.meta.url);
  return withInteractiveEnv(() => (existsSync(fileURLToPath(bundled)) ? (import(bundled.href) as Promise<T>) : unbundled()));
}

export const loadDashboard = (): Promise<Dashboard> => load('run-dashboard', () => import('../../components/run-dashboard.js'));
export const loadPicker = (): Promise<Picker> => load('run-picker', () => import('../../components/run-picker.js'));
