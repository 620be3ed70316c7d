/** instar.groupByState and instar.showFlat: the Sessions view grouped by state, or flat. */
import type { CommandContext } from './commandContext';

export const groupByState = (ctx: CommandContext): Promise<void> => ctx.tree.setGrouped(true);
export const showFlat = (ctx: CommandContext): Promise<void> => ctx.tree.setGrouped(false);
