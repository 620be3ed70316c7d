/** instar.copyLastAnswer: what the session said when its last turn ended (the API's GET …/result). */
import * as vscode from 'vscode';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function copyLastAnswer(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Copy the last answer of which session?'), none: vscode.l10n.t('There are no sessions yet.') });
  if (!record) return undefined;
  const result = await ctx.engine.result(record.name);
  if (result.answer === null) {
    const why = result.error ? `its last turn failed (${result.error})` : result.turns === 0 ? 'no turn has ended yet' : 'Claude Code gave no answer text';
    throw new Error(`${record.name} has no answer to copy: ${why}.`);
  }
  await vscode.env.clipboard.writeText(result.answer);
  void vscode.window.setStatusBarMessage(`Copied the last answer of ${record.name} (${result.answer.length} characters)`, 3000);
  return result.answer;
}
