/** instar.refresh: checks tmux and the agent again, re-reads the sessions (and the tmux sessions Instar did not start) and redraws the view. */
import type { CommandContext } from './commandContext';

export async function refresh(ctx: CommandContext): Promise<void> {
  await ctx.environment.check();
  await ctx.engine.refresh();
  ctx.tree.refresh();
  ctx.refresh.listForeign();
}
