/**
 * instar.sendKeys (Answer Prompt): offers the options of the dialog the session shows, by their
 * text, and chooses the picked one with the keys that select it; plain keys (Enter, Escape,
 * Ctrl-C, arrows…) stay below for anything else.
 */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

const KEY_CHOICES: { label: string; description: string; keys: string[] }[] = [
  { label: 'Enter', description: 'confirm', keys: ['Enter'] },
  { label: 'Escape', description: 'cancel or interrupt', keys: ['Escape'] },
  { label: 'Ctrl-C', description: 'interrupt', keys: ['C-c'] },
  { label: 'Up', description: 'previous option', keys: ['Up'] },
  { label: 'Down', description: 'next option', keys: ['Down'] },
  { label: 'Shift-Tab', description: 'cycle permission mode', keys: ['BTab'] },
  { label: '1', description: 'the key 1', keys: ['1'] },
  { label: '2', description: 'the key 2', keys: ['2'] },
  { label: '3', description: 'the key 3', keys: ['3'] },
];

type Choice = vscode.QuickPickItem & { keys?: string[]; option?: string };

/** With `answer` (a label) or `keys` given, sends them without asking. */
export async function sendKeys(ctx: CommandContext, arg: unknown, keys: unknown, answer?: unknown): Promise<void> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: 'Answer which session?', filter: (r) => !isEnded(r), none: 'No session is running.' });
  if (!record) return;
  if (typeof answer === 'string') return void (await ctx.engine.answer(record.name, answer));
  if (Array.isArray(keys)) return ctx.engine.sendKeys(record.name, keys as string[]);
  // A session waiting for the user shows its dialog, or will in a moment.
  const dialog = await ctx.engine.dialog(record.name, record.status === 'waiting' ? 2000 : 0);
  const items: Choice[] = [];
  if (dialog) {
    items.push({ label: dialog.detail ?? 'dialog', kind: vscode.QuickPickItemKind.Separator });
    for (const option of dialog.options) items.push({ label: option.label, description: option.selected ? 'selected now' : undefined, option: option.label });
    items.push({ label: 'keys', kind: vscode.QuickPickItemKind.Separator });
  }
  items.push(...KEY_CHOICES);
  const title = `Answer ${record.name}${dialog?.detail ? ` (${dialog.detail})` : record.statusDetail ? ` (${record.statusDetail})` : ''}`;
  const pick = await ctx.picker.pick(items, { title, placeHolder: dialog ? 'Choose an option, or a key to send' : 'Key to send' });
  if (pick?.option !== undefined) await ctx.engine.answer(record.name, pick.option);
  else if (pick?.keys) await ctx.engine.sendKeys(record.name, pick.keys);
}
