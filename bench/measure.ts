/** Small measuring tools the benchmark's modules share. */
import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How long `fn` takes, in ms. */
export async function time<T>(fn: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Writes a hook event file the way the hook command does: a hidden temporary, then a rename. */
export async function writeEvent(dir: string, sessionId: string, name: string): Promise<void> {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 8);
  const temporary = join(dir, `.${sessionId}.${suffix}`);
  await writeFile(temporary, JSON.stringify({ hook_event_name: name, session_id: sessionId }));
  await rename(temporary, join(dir, `${sessionId}.${suffix}.json`));
}
