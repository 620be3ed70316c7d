/** Shared by the in-VS Code suites. */
import * as vscode from 'vscode';
import type { InstarApi } from '../../../src/extension';
import type { SessionRecord, SessionStatus } from '../../../src/core/model/sessionRecord';

export const EXTENSION_ID = 'instar.instar-sessions';

export async function instar(): Promise<InstarApi> {
  const extension = vscode.extensions.getExtension<InstarApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  return extension.isActive ? extension.exports : extension.activate();
}

/** Resolves when the session reaches the status, through the engine's events. */
export function statusOf(api: InstarApi, name: string, status: SessionStatus, timeoutMs = 90_000): Promise<SessionRecord> {
  return new Promise((resolve, reject) => {
    const check = (record: SessionRecord | undefined) => {
      if (record?.status === status) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(record);
      }
    };
    const timer = setTimeout(() => {
      subscription.dispose();
      const record = api.engine.get(name);
      reject(new Error(`${name} did not become ${status} within ${timeoutMs} ms; it is ${record?.status} (${record?.statusSignal}: ${record?.statusDetail ?? ''})`));
    }, timeoutMs);
    const subscription = api.engine.onDidChange((change) => check(change.changed.find((record) => record.name === name)));
    check(api.engine.get(name));
  });
}

export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need a workspace folder');
  return folder.uri.fsPath;
}
