/**
 * instar.resume: starts an ended Claude Code session's conversation again, under the same name,
 * with an optional follow-up submitted once it is back.
 */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';
import { resolveText } from '../pickers/textInput';

/** With `text` given (a string, possibly empty), it does not ask for one. */
export async function resume(ctx: CommandContext, arg: unknown, text?: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, {
    placeHolder: vscode.l10n.t('Resume which session?'),
    filter: (r) => isEnded(r) && r.claudeSessionId !== undefined,
    none: vscode.l10n.t('No ended Claude Code session to resume.'),
  });
  if (!record) return undefined;
  if (!ctx.gate.spawnFolder('instar.resume')) return undefined;
  const followUp = await resolveText(text, { title: vscode.l10n.t('Resume {0}', record.name), prompt: vscode.l10n.t('A follow-up to submit once the conversation is back (optional)') });
  if (followUp === undefined) return undefined;
  return ctx.engine.resume(record.name, followUp === '' ? undefined : followUp);
}
