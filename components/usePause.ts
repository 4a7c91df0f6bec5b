import { useCallback, useEffect, useState } from 'react';
import type { PauseState } from '../src/core/queue.js';
import { pausePath, readPause } from '../src/store/pause.js';
import type { StatePaths } from '../src/store/paths.js';
import { useStateWatch } from './useStateWatch.js';

/**
 * The queue's paused scopes as `paused.json` holds them now (`pause` in another shell
 * shows at once: the file is watched, never polled). `reread` after a change made here.
 */
export function usePause(paths: StatePaths): { pause: PauseState; reread: () => void } {
  const [pause, setPause] = useState<PauseState>(() => readPause(paths));
  const watch = useStateWatch(paths);
  const reread = useCallback(() => {
    setPause((prev) => {
      const now = readPause(paths);
      return JSON.stringify(now) === JSON.stringify(prev) ? prev : now;
    });
  }, [paths]);
  useEffect(() => watch.file(pausePath(paths), reread), [watch, paths, reread]);
  return { pause, reread };
}
