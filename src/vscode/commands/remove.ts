/** instar.remove: forgets an ended session (its record and files). */
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function remove(ctx: CommandContext, arg: unknown): Promise<void> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: 'Remove which ended session?', filter: (r) => isEnded(r), none: 'No session has ended.', selected: ctx.selected });
  if (record) await ctx.engine.remove(record.name);
}
