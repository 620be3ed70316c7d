/** instar.removeEnded: removes every ended session; returns how many. */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import type { CommandContext } from './commandContext';

export async function removeEnded(ctx: CommandContext): Promise<number> {
  const ended = ctx.engine.list().filter((record) => isEnded(record));
  if (ended.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No session has ended.'));
    return 0;
  }
  for (const record of ended) await ctx.engine.remove(record.name);
  return ended.length;
}
