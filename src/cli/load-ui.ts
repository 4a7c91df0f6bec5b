import { pathToFileURL } from 'node:url';
import { withInteractiveEnv } from '../../components/interactive-env.js';
import { uiFile, type UI_FILES } from '../runner/runtime-files.js';

type Dashboard = typeof import('../../components/run-dashboard.js');
type Picker = typeof import('../../components/run-picker.js');

// `npm run build` bundles the terminal UI (Ink, React and their forty-odd packages)
// into dist/ui: one module graph to load instead of hundreds of files, which is
// most of `dev-tools ui`'s start-up. Its path comes from the package root, as every
// file the bundled CLI loads or runs does.
async function load<T>(name: keyof typeof UI_FILES): Promise<T> {
  const url = pathToFileURL(uiFile(name)).href;
  return withInteractiveEnv(() => (typeof __devToolsImport === 'function' ? __devToolsImport(url) : import(url)) as Promise<T>);
}

// In the CLI bundle, bin/dev-tools.js hands in its own import(): Node 20 cannot import from
// a vm.Script compiled from a code cache (it loses the script's import callback).
declare const __devToolsImport: ((url: string) => Promise<unknown>) | undefined;

export const loadDashboard = (): Promise<Dashboard> => load('dashboard');
export const loadPicker = (): Promise<Picker> => load('picker');
