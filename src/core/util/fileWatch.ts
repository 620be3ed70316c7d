/**
 * One file of a folder, watched: the folder is watched (a file replaced by an atomic rename is a
 * new file, which a watch on the file itself would miss), and `onChange` runs when that file is
 * written, created or removed, or when the platform does not say which file changed. With a
 * debounce, a burst of events makes one call. The watch never keeps the process alive.
 */
import { watch } from 'node:fs';
import type { Disposable } from './disposables';

/** Watches `name` in `dir`; throws as fs.watch does when the folder cannot be watched. */
export function watchFileIn(dir: string, name: string, onChange: () => void, debounceMs = 0): Disposable {
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dir, { persistent: false }, (_kind, changed) => {
    if (changed !== null && changed !== name) return;
    if (debounceMs === 0) return onChange();
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', () => undefined);
  return {
    dispose: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
