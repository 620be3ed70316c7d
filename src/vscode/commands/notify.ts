/** instar.notify.test and instar.notify.setSecret: the channels that reach a person away from the editor. */
import * as vscode from 'vscode';
import { writeSecrets } from '../../core/notify/notifySecrets';
import type { CommandContext } from './commandContext';

export async function testNotifications(ctx: CommandContext): Promise<void> {
  if (ctx.notify.channels.length === 0) {
    const open = vscode.l10n.t('Open Settings');
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('No notification channel is set up: set instar.notify.webhookUrl or instar.notify.ntfyUrl first.'), open);
    if (choice === open) await vscode.commands.executeCommand('instar.openSettings', 'instar.notify');
    return;
  }
  const results = await ctx.notify.test();
  const said = results.map((result) => `${result.channel}: ${result.ok ? vscode.l10n.t('sent ({0})', result.detail) : vscode.l10n.t('failed ({0})', result.detail)}`).join(' · ');
  const show = results.every((result) => result.ok) ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
  void show(vscode.l10n.t('Test notification: {0}', said));
}

export async function setNotifySecret(ctx: CommandContext): Promise<void> {
  const webhook = { label: vscode.l10n.t('Webhook signing secret'), key: 'webhookSecret' as const, detail: vscode.l10n.t('Signs each POST: X-Instar-Signature-256: sha256=HMAC of the body') };
  const ntfy = { label: vscode.l10n.t('ntfy access token'), key: 'ntfyToken' as const, detail: vscode.l10n.t('For a protected ntfy topic: sent as a Bearer token') };
  const which = await vscode.window.showQuickPick([webhook, ntfy], { title: vscode.l10n.t('Set Notification Secret') });
  if (!which) return;
  const value = await vscode.window.showInputBox({ title: which.label, password: true, prompt: vscode.l10n.t('Kept in a file of the workspace state folder that only you can read, never in settings. Empty removes it.') });
  if (value === undefined) return;
  await writeSecrets(ctx.stateDir, { [which.key]: value.trim() });
  void vscode.window.showInformationMessage(value.trim() ? vscode.l10n.t('{0} saved.', which.label) : vscode.l10n.t('{0} removed.', which.label));
}
