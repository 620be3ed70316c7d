/** Builds the objects of the extension, connects them and registers their disposables. */
import * as vscode from 'vscode';
import { SessionEngine } from './core/sessions/sessionEngine';
import { channelLogger } from './host/vscodeLogger';

export async function activate(context: vscode.ExtensionContext): Promise<{ engine: SessionEngine }> {
  const channel = vscode.window.createOutputChannel('Instar Sessions', { log: true });
  context.subscriptions.push(channel);
  const stateUri = context.storageUri ?? context.globalStorageUri;
  const engine = await SessionEngine.create({
    stateDir: stateUri.fsPath,
    storage: context.workspaceState,
    socket: 'instar',
    logger: channelLogger(channel),
  });
  context.subscriptions.push({ dispose: () => engine.dispose() });
  return { engine };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions; sessions keep running in tmux.
}
