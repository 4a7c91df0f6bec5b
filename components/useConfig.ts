import { watch, type FSWatcher } from 'node:fs';
import { basename } from 'node:path';
import { useEffect, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';
import { loadConfig, type Config } from '../src/store/config.js';
import type { StatePaths } from '../src/store/paths.js';

export interface LiveConfig {
  config: Config;
  /** Why the file on disk is not in use (the last good config is). */
  problem: string | null;
}

/**
 * config.json as it is now: the state folder is watched (an editor or an atomic
 * write replaces the file, so the file itself cannot be), and a change is
 * validated and taken; a bad one is reported and the last good config kept.
 */
export function useConfig(paths: StatePaths, initial: Config, settleMs = 50): LiveConfig {
  const [live, setLive] = useState<LiveConfig>({ config: initial, problem: null });

  useEffect(() => {
    const name = basename(paths.config);
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    const reload = () => {
      timer = null;
      loadConfig(paths).then(
        (config) => {
          if (closed) return;
          setLive((prev) => (prev.problem === null && JSON.stringify(prev.config) === JSON.stringify(config) ? prev : { config, problem: null }));
        },
        (err: unknown) => {
          if (closed) return;
          setLive((prev) => ({ config: prev.config, problem: `${errorMessage(err)} — still using the previous config` }));
        },
      );
    };
    let watcher: FSWatcher | null = null;
    try {
      watcher = watch(paths.home, (_event, file) => {
        if (file !== name) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(reload, settleMs);
      });
      watcher.on('error', () => undefined);
    } catch {
      // No watch (inotify limits): the config stays as it was at start.
    }
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
    };
  }, [paths, settleMs]);

  return live;
}
