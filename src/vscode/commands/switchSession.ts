/**
 * instar.switchSession (Go to Session…, Ctrl+Alt+S): every session with its state in words, the
 * ones that need the user first; Enter opens its editor terminal (an ended one's last screen),
 * the item's buttons send input or show the output without leaving the editor.
 */
import * as vscode from 'vscode';
import { isEnded, type SessionRecord } from '../../core/model/sessionRecord';
import { GROUP_ORDER } from '../../core/presentation/sessionPresentation';
import { sessionPickItem } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

const SEND = { iconPath: new vscode.ThemeIcon('comment'), tooltip: 'Send Input' };
const OUTPUT = { iconPath: new vscode.ThemeIcon('output'), tooltip: 'Show Output' };

/** Waiting first, then failed, running, starting, idle and the ended; the latest first within each. */
export function switcherOrder(records: readonly SessionRecord[]): SessionRecord[] {
  const rank = (record: SessionRecord) => GROUP_ORDER.indexOf(record.status);
  return [...records].sort((a, b) => rank(a) - rank(b) || (b.endedAt ?? b.createdAt) - (a.endedAt ?? a.createdAt));
}

export async function switchSession(ctx: CommandContext): Promise<unknown> {
  const records = switcherOrder(ctx.engine.list());
  if (records.length === 0) {
    const choice = await vscode.window.showInformationMessage(vscode.l10n.t('There are no sessions yet.'), vscode.l10n.t('Spawn Session'));
    if (choice) await vscode.commands.executeCommand('instar.spawn');
    return undefined;
  }
  const now = Date.now();
  const items = records.map((record) => ({ ...sessionPickItem(record, now), buttons: isEnded(record) ? [OUTPUT] : [SEND, OUTPUT] }));
  const picked = await ctx.picker.pick(items, {
    title: vscode.l10n.t('Go to Session'),
    placeHolder: vscode.l10n.t('{0} session{1}: type to filter by name, state or prompt', records.length, records.length === 1 ? '' : 's'),
    matchOnDescription: true,
    matchOnDetail: true,
    onButton: (item, button) => {
      const name = (item as (typeof items)[number]).name;
      void vscode.commands.executeCommand(button === SEND ? 'instar.sendInput' : 'instar.showOutput', name);
    },
  });
  if (!picked) return undefined;
  const record = ctx.engine.get(picked.name);
  return record ? ctx.terminals.show(record) : undefined;
}
