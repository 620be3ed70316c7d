/**
 * The keeper as a process, for the hosts that start, show and stop it (a window, `instar keeper`):
 * what it writes in the state folder while it runs (keeper.json), whether it is alive, a start
 * detached from the caller (its own session and process group, so that the caller's end leaves it
 * running), and a stop that waits for it. A stop by hand leaves keeper-stopped.json, and no window
 * starts the keeper again until it is started by hand.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JobState } from '../model/job';
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { writeFileAtomic } from '../util/atomicWrite';
import { isAlive } from '../util/processes';

/** What the keeper writes in the state folder while it runs. */
export interface KeeperInfo {
  pid: number;
  startedAt: string;
  workspace: string;
  /** Where its API listens, once it does. */
  port?: number;
}

export const KEEPER_INFO_FILE = 'keeper.json';
const STOPPED_FILE = 'keeper-stopped.json';
const STOP_WAIT_MS = 10_000;

/** Whether a workspace has anything for the keeper to keep: a live session, or an enabled job. */
export function hasWorkToKeep(records: readonly SessionRecord[], jobs: readonly JobState[] = []): boolean {
  return records.some((record) => !isEnded(record)) || jobs.some((job) => job.enabled);
}

export async function readKeeperInfo(stateDir: string): Promise<KeeperInfo | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path.join(stateDir, KEEPER_INFO_FILE), 'utf8')) as Partial<KeeperInfo>;
    return typeof value.pid === 'number' && typeof value.startedAt === 'string' && typeof value.workspace === 'string' ? (value as KeeperInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** The keeper that runs for this state folder, if one does. */
export async function runningKeeper(stateDir: string): Promise<KeeperInfo | undefined> {
  const info = await readKeeperInfo(stateDir);
  return info && isAlive(info.pid) ? info : undefined;
}

export function wasStoppedByHand(stateDir: string): Promise<boolean> {
  return fs.access(path.join(stateDir, STOPPED_FILE)).then(
    () => true,
    () => false,
  );
}

export interface KeeperStart {
  /** The JavaScript runtime (Node, or Electron run as Node) and dist/keeper.js. */
  runtime: string;
  script: string;
  workspace: string;
  /** The other folders of a multi-root workspace. */
  folders?: readonly string[];
  stateDir: string;
  lingerMinutes: number;
  /** A window's settings file, which the keeper follows. */
  settingsFile?: string;
}

/** Starts the keeper detached (started by hand: windows may start it again after a stop); resolves with its pid. */
export async function startKeeper(start: KeeperStart): Promise<number> {
  await fs.rm(path.join(start.stateDir, STOPPED_FILE), { force: true });
  const args = [start.script, '--workspace', start.workspace, ...(start.folders ?? []).flatMap((folder) => ['--folder', folder]), '--state-dir', start.stateDir, '--linger-minutes', String(start.lingerMinutes), ...(start.settingsFile ? ['--settings-file', start.settingsFile] : [])];
  const { execa } = await import('execa');
  const child = execa(start.runtime, args, { detached: true, stdio: 'ignore', cleanup: false, cwd: start.workspace, env: { ELECTRON_RUN_AS_NODE: '1' }, reject: false });
  child.catch(() => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error(`${start.runtime} could not be started`);
  return child.pid;
}

/** Stops the keeper (SIGTERM, then SIGKILL after 10 s) and notes the stop by hand; resolves with its pid, or undefined when none ran. */
export async function stopKeeper(stateDir: string, pid?: number): Promise<number | undefined> {
  await writeFileAtomic(path.join(stateDir, STOPPED_FILE), `${JSON.stringify({ stoppedAt: new Date().toISOString() })}\n`, { makeDir: true });
  const target = pid ?? (await runningKeeper(stateDir))?.pid;
  if (target === undefined || !isAlive(target)) return undefined;
  process.kill(target, 'SIGTERM');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (isAlive(target) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (isAlive(target)) process.kill(target, 'SIGKILL');
  return target;
}
