/** instar.api.copyToken and instar.api.rotateToken: the HTTP API's bearer token. */
import * as vscode from 'vscode';
import type { CommandContext } from './commandContext';

export async function copyApiToken(ctx: CommandContext): Promise<void> {
  await ctx.api.copyToken();
  void vscode.window.showInformationMessage(vscode.l10n.t('Copied the Instar API token.'));
}

export async function rotateApiToken(ctx: CommandContext): Promise<void> {
  await ctx.api.rotateToken();
  void vscode.window.showInformationMessage(vscode.l10n.t('The Instar API token was rotated; .instar/config.json has the new one.'));
}
