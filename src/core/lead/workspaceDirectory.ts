/**
 * Where each workspace's state folder is, for a host VS Code does not tell: the keeper started by
 * hand (`instar keeper --workspace DIR`) finds there the folder and the workspace key the
 * windows of that workspace use, so that it sees their sessions and they its. One small file per
 * workspace under `$XDG_STATE_HOME/instar-sessions/workspaces` (`~/.local/state/…` by default),
 * named by a hash of the workspace's real path, readable only by the user.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { workspaceKeyOf } from '../sessions/recordTags';
import { writeFileAtomic } from '../util/atomicWrite';

export interface WorkspaceEntry {
  /** The workspace folder, as given. */
  folder: string;
  stateDir: string;
  /** The key its sessions are tagged with (undefined: the engine's default for the state folder). */
  workspaceKey?: string;
}

/** The machine's folder of Instar Sessions' own state (not a workspace's). */
export function machineStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(env.HOME || homedir(), '.local', 'state');
  return path.join(base, 'instar-sessions');
}

async function entryFile(folder: string, root: string): Promise<string> {
  return entryFileOf(await fs.realpath(folder).catch(() => path.resolve(folder)), root);
}

function entryFileOf(realFolder: string, root: string): string {
  return path.join(root, 'workspaces', `${createHash('sha256').update(realFolder).digest('hex').slice(0, 16)}.json`);
}

/** The state folder and key a note's text gives, or undefined where it gives none (unreadable, no absolute folder). */
function notedIn(text: string): { stateDir: string; workspaceKey?: string } | undefined {
  try {
    const value = JSON.parse(text) as Partial<WorkspaceEntry>;
    if (typeof value.stateDir !== 'string' || !path.isAbsolute(value.stateDir)) return undefined;
    return { stateDir: value.stateDir, workspaceKey: typeof value.workspaceKey === 'string' ? value.workspaceKey : undefined };
  } catch {
    return undefined;
  }
}

/**
 * The state folder a window of `folder` uses: the one noted for the workspace where it still
 * exists (VS Code hands another host of the same folder another storage folder, as code-server
 * does when its port changes), else `own` (VS Code's storage for this host). Synchronous: read once
 * at activation, a stat and a small file.
 */
export function stateFolderFor(folder: string | undefined, own: string, root = machineStateRoot()): { stateDir: string; workspaceKey?: string } {
  if (!folder) return { stateDir: own };
  try {
    let real: string;
    try {
      real = realpathSync(folder);
    } catch {
      real = path.resolve(folder);
    }
    const noted = notedIn(readFileSync(entryFileOf(real, root), 'utf8'));
    if (noted && noted.stateDir !== own && existsSync(noted.stateDir)) return noted;
  } catch {
    // None noted, or unreadable: this host's own.
  }
  return { stateDir: own };
}

/** Notes where `folder`'s state folder is (each window, at its start). */
export async function noteWorkspace(entry: WorkspaceEntry, root = machineStateRoot()): Promise<void> {
  await writeFileAtomic(await entryFile(entry.folder, root), `${JSON.stringify({ ...entry, notedAt: new Date().toISOString() }, null, 2)}\n`, { makeDir: true });
}

/**
 * Where `folder`'s state is: as a window noted it, or, for a workspace no window has opened, a
 * folder of its own beside the note (`…/workspaces/<hash>`).
 */
export async function findWorkspace(folder: string, root = machineStateRoot()): Promise<WorkspaceEntry & { noted: boolean }> {
  const file = await entryFile(folder, root);
  // None noted (or unreadable): the workspace's own folder beside the note.
  const noted = notedIn(await fs.readFile(file, 'utf8').catch(() => ''));
  return noted ? { folder, ...noted, noted: true } : { folder, stateDir: file.replace(/\.json$/, ''), noted: false };
}

/** Every workspace noted on this machine (the other projects open, or opened before), as noted. */
export async function notedWorkspaces(root = machineStateRoot()): Promise<WorkspaceEntry[]> {
  const dir = path.join(root, 'workspaces');
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const entries = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map(async (name) => {
        const text = await fs.readFile(path.join(dir, name), 'utf8').catch(() => '');
        const noted = notedIn(text);
        let folder: unknown;
        try {
          folder = (JSON.parse(text) as Partial<WorkspaceEntry>).folder;
        } catch {
          folder = undefined;
        }
        return noted && typeof folder === 'string' && path.isAbsolute(folder) ? { folder, ...noted } : undefined;
      }),
  );
  return entries.filter((entry): entry is WorkspaceEntry => entry !== undefined);
}

/** The folder of each workspace noted on this machine, by the key its sessions are tagged with. */
export async function workspaceFolders(root = machineStateRoot()): Promise<Map<string, string>> {
  return new Map((await notedWorkspaces(root)).map((entry) => [workspaceKeyOf(entry), entry.folder]));
}
