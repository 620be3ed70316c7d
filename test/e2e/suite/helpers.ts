/** Shared by the in-VS Code suites; waiting on states comes from test/support/wait. */
import * as vscode from 'vscode';
import type { InstarApi } from '../../../src/extension';

export const EXTENSION_ID = 'instar.instar-sessions';
/** How long a real claude CLI may take to reach a state (bounds a failure only). */
export const AGENT_MS = 90_000;

export async function instar(): Promise<InstarApi> {
  const extension = vscode.extensions.getExtension<InstarApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  const api = extension.isActive ? extension.exports : await extension.activate();
  await api.ready;
  return api;
}

/** The next value the event fires that passes the filter. */
export function nextEvent<T>(event: vscode.Event<T>, filter: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const subscription = event((value) => {
      if (!filter(value)) return;
      subscription.dispose();
      resolve(value);
    });
  });
}

export function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need a workspace folder');
  return folder.uri.fsPath;
}
