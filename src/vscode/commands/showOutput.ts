/** instar.showOutput: the session's last lines in a read-only document. */
import * as vscode from 'vscode';
import { outputUri } from '../outputDocuments';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function showOutput(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Show the output of which session?'), none: vscode.l10n.t('There are no sessions yet.') });
  if (!record) return undefined;
  const document = await vscode.workspace.openTextDocument(outputUri(record.name, ctx.settings().outputLines));
  await vscode.languages.setTextDocumentLanguage(document, 'log');
  return vscode.window.showTextDocument(document, { preview: false });
}
