/** instar.copyResumeCommand: the shell command that resumes the session's Claude Code conversation. */
import * as vscode from 'vscode';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function copyResumeCommand(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Copy the resume command of which session?'), none: vscode.l10n.t('There are no sessions yet.') });
  if (!record) return undefined;
  const command = ctx.engine.terminals.resumeCommand(record.name);
  if (!command) throw new Error(`${record.name} has no Claude Code conversation to resume.`);
  await vscode.env.clipboard.writeText(command);
  return command;
}
