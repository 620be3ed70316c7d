/**
 * instar.sendKeys (Answer Prompt): says what the session asks (the command, the file, the
 * question) and offers the options of its dialog by their text; the picked one is chosen so that
 * it lands on exactly that option or on none (dialogAnswer.ts), and what came of it is said.
 * Plain keys (Enter, Escape, Ctrl-C, arrows…) stay below for anything else.
 */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import type { Answered, ShownDialog } from '../../core/sessions/sessionEngine';
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

/** What a dialog asks, in one line: the tool call's own words when a hook gave them, else the screen's. */
export function dialogAsks(dialog: Pick<ShownDialog, 'toolAsk' | 'question'>): string | undefined {
  const text = dialog.toolAsk ?? dialog.question?.split('\n').join(' · ');
  return text && text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** With `answer` (a label) or `keys` given, sends them without asking. Returns what came of an answer. */
export async function sendKeys(ctx: CommandContext, arg: unknown, keys: unknown, answer?: unknown): Promise<Answered | undefined> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: vscode.l10n.t('Answer which session?'), filter: (r) => !isEnded(r), prefer: (r) => r.status === 'waiting', none: vscode.l10n.t('No session is running.') });
  if (!record) return undefined;
  if (typeof answer === 'string') return said(await ctx.engine.answer(record.name, answer), record.name);
  if (Array.isArray(keys)) return void (await ctx.engine.sendKeys(record.name, keys as string[]));
  // A session waiting for the user shows its dialog, or will in a moment.
  const dialog = await ctx.engine.dialog(record.name, record.status === 'waiting' ? 2000 : 0);
  const items: Choice[] = [];
  if (dialog) {
    items.push({ label: dialog.detail ?? 'dialog', kind: vscode.QuickPickItemKind.Separator });
    for (const option of dialog.options) {
      items.push({ label: option.label, description: option.selected ? 'selected now' : undefined, detail: option.description, option: option.label });
    }
    items.push({ label: 'keys', kind: vscode.QuickPickItemKind.Separator });
  }
  items.push(...KEY_CHOICES);
  const asks = dialog ? dialogAsks(dialog) : undefined;
  const title = `Answer ${record.name}${dialog?.detail ? ` (${dialog.detail})` : record.statusDetail ? ` (${record.statusDetail})` : ''}${asks ? `: ${asks}` : ''}`;
  const pick = await ctx.picker.pick(items, { title, placeHolder: dialog ? `${asks ?? 'Choose an option'}: choose an option, or a key to send` : 'Key to send', matchOnDetail: true });
  if (pick?.option !== undefined) return said(await ctx.engine.answer(record.name, pick.option), record.name);
  if (pick?.keys) await ctx.engine.sendKeys(record.name, pick.keys);
  return undefined;
}

/** What came of an answer, in the status bar for a while. */
function said(answered: Answered, name: string): Answered {
  const outcome = answered.outcome === 'refused' ? ': the tool call was refused and did not run' : answered.outcome === 'allowed' ? ': the tool call is allowed' : '';
  vscode.window.setStatusBarMessage(`$(check) ${name}: answered "${answered.answered}"${outcome}`, 8000);
  return answered;
}
