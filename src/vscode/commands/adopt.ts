/** instar.adopt: takes over a tmux session Instar did not start, so the view tracks it. */
import { resolveForeign } from '../pickers/foreignPicker';
import type { CommandContext } from './commandContext';

export async function adopt(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const name = await resolveForeign(ctx, arg);
  if (!name) return undefined;
  const record = await ctx.engine.adopt(name);
  ctx.refresh.listForeign();
  return record;
}
