/** instar.spawn: one session, asked for step by step (name, prompt, model and how it asks, where it runs). */
import { spawnDefaults, spawnFlow } from '../pickers/spawnFlow';
import type { CommandContext } from './commandContext';

export async function spawn(ctx: CommandContext): Promise<unknown> {
  const cwd = ctx.gate.spawnFolder('instar.spawn');
  if (cwd === undefined) return undefined;
  return spawnFlow(ctx.engine, ctx.picker, cwd, spawnDefaults(ctx.settings()));
}
