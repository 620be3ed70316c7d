/**
 * Where the engine keeps its files (hook events, generated settings, snapshots): one folder per
 * workspace, whatever window or extension host asks.
 *
 * VS Code gives each extension host the workspace's storage folder only while no other host
 * holds its lock; a second host of the same workspace (a second code-server tab, or a window
 * reloaded while its old host lingers, which code-server keeps for reconnection) gets
 * `<folder>-1`, `-2`… and with it a storage URI of its own. Its engine would then watch another
 * events folder than the hooks of the sessions write to, and take itself for another workspace.
 * The folder the first host had is the one every host uses.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The folder suffix VS Code adds when a workspace's storage is locked by another host (1 to 10 attempts are made). */
const LOCKED_SUFFIX = /^(.+)-([1-9]\d?)$/;

/** `storagePath` (an extension's storageUri) on the workspace's own storage folder rather than a lock-suffixed copy of it. */
export function sharedStateDir(storagePath: string, exists: (file: string) => boolean = existsSync): string {
  const extensionFolder = path.basename(storagePath);
  const workspaceFolder = path.dirname(storagePath);
  const match = LOCKED_SUFFIX.exec(path.basename(workspaceFolder));
  if (!match) return storagePath;
  const base = path.join(path.dirname(workspaceFolder), match[1]);
  // Only where that folder is there: a workspace id that happens to end in "-<digits>" stays as it is.
  return exists(base) ? path.join(base, extensionFolder) : storagePath;
}
