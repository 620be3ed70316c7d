/**
 * The one place that decides whether agents may run here: the workspace must be trusted (agents
 * run programs in the folder) and the folder must be on disk (`file:`). Spawn commands are
 * refused with a message; jobs and the API simply do not start.
 */
import * as vscode from 'vscode';

export interface Refusal {
  /** What was refused, such as a command id. */
  what: string;
  reason: 'untrusted';
}

export class WorkspaceGate implements vscode.Disposable {
  private readonly refusals = new vscode.EventEmitter<Refusal>();
  /** Fires when a spawn is refused (the tests watch it). */
  readonly onDidRefuse = this.refusals.event;
  /** Fires when the user trusts the workspace. */
  readonly onDidGrantTrust = vscode.workspace.onDidGrantWorkspaceTrust;

  /** The first workspace folder's path when agents may run in it, else undefined. */
  trustedFolder(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return vscode.workspace.isTrusted && folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined;
  }

  /** Every folder of the workspace on disk (a multi-root workspace has several), the first first, when agents may run in them. */
  trustedFolders(): string[] {
    if (!vscode.workspace.isTrusted) return [];
    return (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
  }

  /**
   * The folder to spawn `what` in: the active editor's workspace folder, or the first one.
   * Untrusted: shows why and returns undefined. No folder on disk: throws.
   */
  spawnFolder(what: string): string | undefined {
    if (!vscode.workspace.isTrusted) {
      this.refusals.fire({ what, reason: 'untrusted' });
      // Not awaited: the command ends now, whatever the user does with the message.
      void vscode.window
        .showErrorMessage(vscode.l10n.t('Sessions cannot be spawned in an untrusted workspace: Claude Code agents run programs in this folder. Trust the workspace to spawn them.'), vscode.l10n.t('Manage Workspace Trust'))
        .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    }
    const editorUri = vscode.window.activeTextEditor?.document.uri;
    const folder = (editorUri && vscode.workspace.getWorkspaceFolder(editorUri)) ?? vscode.workspace.workspaceFolders?.[0];
    if (folder?.uri.scheme !== 'file') throw new Error('Open a folder first: sessions run in a workspace folder.');
    return folder.uri.fsPath;
  }

  dispose(): void {
    this.refusals.dispose();
  }
}
