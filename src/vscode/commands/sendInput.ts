/** instar.sendInput: text typed into a live session and submitted with Enter. */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function sendInput(ctx: CommandContext, arg: unknown, text: unknown): Promise<void> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Send input to which session?'), filter: (r) => !isEnded(r), none: vscode.l10n.t('No session is running.'), selected: ctx.selected });
  if (!record) return;
  const input =
    typeof text === 'string' ? text : await vscode.window.showInputBox({ title: vscode.l10n.t('Send to {0}', record.name), prompt: vscode.l10n.t('Typed as is and submitted with Enter'), ignoreFocusOut: true });
  if (input === undefined) return;
  await ctx.engine.sendInput(record.name, input);
}
