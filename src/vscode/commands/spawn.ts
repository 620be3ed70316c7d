/** instar.spawn: one session, asked for step by step (name, prompt, model). */
import { spawnFlow } from '../pickers/spawnFlow';
import type { CommandContext } from './commandContext';

export async function spawn(ctx: CommandContext): Promise<unknown> {
  const cwd = ctx.gate.spawnFolder('instar.spawn');
  if (cwd === undefined) return undefined;
  return spawnFlow(ctx.engine, ctx.picker, cwd, ctx.settings().defaultModel, ctx.settings().worktreeDefault);
}
