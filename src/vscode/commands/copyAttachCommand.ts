/** instar.copyAttachCommand: the shell command that attaches a terminal to the session's tmux session. */
import * as vscode from 'vscode';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function copyAttachCommand(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Copy the attach command of which session?'), none: vscode.l10n.t('There are no sessions yet.') });
  if (!record) return undefined;
  const command = ctx.engine.terminals.attachCommand(record.name);
  await vscode.env.clipboard.writeText(command);
  return command;
}
