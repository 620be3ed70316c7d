/** instar.sendKeys: answers a prompt of a live session with a key (1, 2, 3, Enter, Escape…). */
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

const KEY_CHOICES: { label: string; description: string; keys: string[] }[] = [
  { label: '1', description: 'first option (Yes)', keys: ['1'] },
  { label: '2', description: 'second option', keys: ['2'] },
  { label: '3', description: 'third option (No)', keys: ['3'] },
  { label: 'Enter', description: 'confirm', keys: ['Enter'] },
  { label: 'Escape', description: 'cancel or interrupt', keys: ['Escape'] },
  { label: 'Ctrl-C', description: 'interrupt', keys: ['C-c'] },
  { label: 'Up', description: 'previous option', keys: ['Up'] },
  { label: 'Down', description: 'next option', keys: ['Down'] },
  { label: 'Shift-Tab', description: 'cycle permission mode', keys: ['BTab'] },
];

export async function sendKeys(ctx: CommandContext, arg: unknown, keys: unknown): Promise<void> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: 'Answer which session?', filter: (r) => !isEnded(r), none: 'No session is running.' });
  if (!record) return;
  let chosen = Array.isArray(keys) ? (keys as string[]) : undefined;
  if (!chosen) {
    const pick = await ctx.picker.pick(KEY_CHOICES, { title: `Answer ${record.name}${record.statusDetail ? ` (${record.statusDetail})` : ''}`, placeHolder: 'Key to send' });
    chosen = pick?.keys;
  }
  if (chosen) await ctx.engine.sendKeys(record.name, chosen);
}
