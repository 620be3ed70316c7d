/** instar.showConversation: the session's conversation as a readable Markdown document, kept current. */
import * as vscode from 'vscode';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

/** `item`: the conversation's item to reveal (a search's match). */
export async function showConversation(ctx: CommandContext, arg: unknown, item?: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Show the conversation of which session?'), none: vscode.l10n.t('There are no sessions yet.'), selected: ctx.selected });
  if (!record) return undefined;
  return ctx.conversations.show(record.name, typeof item === 'number' ? item : undefined);
}
