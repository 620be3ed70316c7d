/**
 * instar.openOtherWorkspace: opens, in a window of its own, the folder of another workspace whose
 * sessions run on this tmux server (from its row in the view, or picked: those waiting first).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { OtherNode } from '../views/otherNodes';
import type { CommandContext } from './commandContext';

export async function openOtherWorkspace(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  let key = isOtherNode(arg) && arg.kind !== 'others' ? arg.key : undefined;
  if (key === undefined) {
    const sessions = ctx.others.sessions;
    if (sessions.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No other workspace has live sessions on this tmux server.'));
      return undefined;
    }
    const picked = await ctx.picker.pick(
      sessions.map((session) => ({
        label: session.name,
        description: [session.status === 'waiting' ? 'waiting for you' : session.status, ctx.others.folderOf(session.workspaceKey) ?? 'folder not known'].filter(Boolean).join(' · '),
        key: session.workspaceKey,
      })),
      { placeHolder: vscode.l10n.t('Open the workspace of which session?') },
    );
    key = picked?.key;
    if (key === undefined) return undefined;
  }
  const folder = ctx.others.folderOf(key);
  if (!folder) throw new Error("That workspace's folder is not known on this machine: open it once in VS Code with Instar Sessions, and it is noted.");
  await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceNewWindow: true });
  return path.basename(folder);
}

function isOtherNode(value: unknown): value is OtherNode {
  return typeof value === 'object' && value !== null && ['others', 'otherWorkspace', 'otherSession'].includes((value as { kind?: string }).kind ?? '');
}
