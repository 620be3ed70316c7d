/** Reloads the jobs when `.instar/jobs.json` is created, edited or deleted (debounced). */
import { watch, FSWatcher, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from '../util/emitter';
import type { JobScheduler } from './jobScheduler';

export async function readJobsFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Loads `<workspace>/.instar/jobs.json` now and again on every change. */
export async function watchJobsFile(workspace: string, scheduler: JobScheduler, debounceMs = 200): Promise<Disposable> {
  const dir = path.join(workspace, '.instar');
  const file = path.join(dir, 'jobs.json');
  scheduler.load(await readJobsFile(file));
  await fs.mkdir(dir, { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined = watch(dir, { persistent: false }, (_kind, name) => {
    if (name !== null && name !== 'jobs.json') return;
    clearTimeout(timer);
    timer = setTimeout(() => void readJobsFile(file).then((text) => scheduler.load(text)), debounceMs);
  });
  watcher.on('error', () => undefined);
  return {
    dispose: () => {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
