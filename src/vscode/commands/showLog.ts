/** instar.showLog: the extension's log (its output channel). */
import type { CommandContext } from './commandContext';

export const showLog = (ctx: CommandContext): void => ctx.channel.show();
