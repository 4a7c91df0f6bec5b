import { useEffect, useState } from 'react';
import { errorMessage } from '../src/core/errors.js';
import { configWrittenSince, loadConfig, type Config } from '../src/store/config.js';
import type { StatePaths } from '../src/store/paths.js';
import { useStateWatch } from './useStateWatch.js';

interface LiveConfig {
  config: Config;
  /** Why the file on disk is not in use (the last good config is). */
  problem: string | null;
}

/**
 * config.json as it is now: a change is validated and taken; a bad one is reported
 * and the last good config kept.
 */
export function useConfig(paths: StatePaths, initial: Config, settleMs = 50): LiveConfig {
  const [live, setLive] = useState<LiveConfig>({ config: initial, problem: null });
  const watch = useStateWatch(paths);

  useEffect(() => {
    let closed = false;
    let timer: NodeJS.Timeout | null = null;
    const reload = () => {
      timer = null;
      loadConfig(paths).then(
        (config) => {
          if (closed) return;
          setLive((prev) =>
            prev.problem === null && JSON.stringify(prev.config) === JSON.stringify(config) ? prev : { config, problem: null },
          );
        },
        (err: unknown) => {
          if (closed) return;
          setLive((prev) => ({ config: prev.config, problem: `${errorMessage(err)} — still using the previous config` }));
        },
      );
    };
    // The state folder is watched, not the file: an editor or an atomic write replaces it.
    const stop = watch.file(paths.config, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(reload, settleMs);
    });
    // A change made after `initial` was read and before the watch was in place (the UI
    // loads in between): config.json written since this process started is read again.
    if (configWrittenSince(paths, performance.timeOrigin)) reload();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      stop();
    };
  }, [paths, settleMs, watch]);

  return live;
}
