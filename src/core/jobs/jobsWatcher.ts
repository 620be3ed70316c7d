/** Reloads the jobs when `.instar/jobs.json` is created, edited or deleted (debounced). */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Disposable } from '../util/emitter';
import { watchFileIn } from '../util/fileWatch';
import type { JobScheduler } from './jobScheduler';

export async function readJobsFile(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Loads `<workspace>/.instar/jobs.json` now and again on every change (a workspace folder's jobs, to the scheduler of its workspace). */
export async function watchJobsFile(workspace: string, scheduler: JobScheduler, debounceMs = 200): Promise<Disposable> {
  const dir = path.join(workspace, '.instar');
  const file = path.join(dir, 'jobs.json');
  await fs.mkdir(dir, { recursive: true });
  // The watch first, then the read: a file written between a read and a watch would wait for its next change.
  const watcher = watchFileIn(dir, 'jobs.json', () => void readJobsFile(file).then((text) => scheduler.loadFolder(workspace, text)), debounceMs);
  scheduler.loadFolder(workspace, await readJobsFile(file));
  return watcher;
}

/** The file the jobs' state is shared in (which jobs are disabled, when each last ran), for every host of the workspace. */
export const JOBS_STATE_FILE = 'jobs-state.json';

/** Takes what another host stores in `<stateDir>/jobs-state.json` (a job disabled there) as it is written. */
export function watchJobsState(stateDir: string, scheduler: JobScheduler, debounceMs = 100): Disposable {
  try {
    return watchFileIn(stateDir, JOBS_STATE_FILE, () => scheduler.refreshStored(), debounceMs);
  } catch {
    // No state folder to watch: this host's own changes still count.
    return { dispose: () => undefined };
  }
}
