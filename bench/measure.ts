/** Small measuring tools the benchmark's modules share. */
import { randomUUID } from 'node:crypto';
import { watch } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionEngine } from '../src/core/sessions/sessionEngine';
import { listPanes } from '../src/core/tmux/commands';
import { writeHookEvent } from '../test/support/quietAgent';

/** How long `fn` takes, in ms. */
export async function time<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** `runs` refreshes of the engine, each beside one bare `list-panes` of its server (in ms). */
export async function timeRefreshes(engine: SessionEngine, tmux: (...args: string[]) => Promise<unknown>, runs: number): Promise<{ ours: number[]; bare: number[] }> {
  const ours: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    bare.push(await time(() => tmux(...listPanes())));
    ours.push(await time(() => engine.refresh()));
  }
  return { ours, bare };
}

/** Writes a hook event file the way the hook command does: a hidden temporary, then a rename. */
export async function writeEvent(dir: string, sessionId: string, name: string): Promise<void> {
  await writeHookEvent(dir, sessionId, { hook_event_name: name });
}

/** The baseline of the event latency rows: a rename until a bare fs.watch on its folder sees it (in ms). */
export function bareWatchLatency(dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const file = `${randomUUID()}.json`;
    let start = 0;
    const watcher = watch(dir, (_kind, changed) => {
      if (changed === file && start) {
        watcher.close();
        resolve(performance.now() - start);
      }
    });
    const temporary = join(dir, `.${file}.tmp`);
    writeFile(temporary, '{}')
      .then(() => {
        start = performance.now();
        return rename(temporary, join(dir, file));
      })
      .catch((error) => {
        watcher.close();
        reject(error);
      });
  });
}
