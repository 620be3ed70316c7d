/** instar.openTerminal: the session as an editor terminal (the tab it has, or a new one). */
import * as vscode from 'vscode';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function openTerminal(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Open which session as an editor terminal?'), none: vscode.l10n.t('There are no sessions yet.') });
  return record ? ctx.terminals.show(record) : undefined;
}
