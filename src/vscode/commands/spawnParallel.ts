/** instar.spawnParallel: several prompts at once, one session each, named BASE-1, BASE-2, … */
import * as vscode from 'vscode';
import { spawnDefaults, spawnParallelFlow } from '../pickers/spawnFlow';
import type { CommandContext } from './commandContext';

export async function spawnParallel(ctx: CommandContext): Promise<unknown> {
  const cwd = ctx.gate.spawnFolder('instar.spawnParallel');
  if (cwd === undefined) return undefined;
  const result = await spawnParallelFlow(ctx.engine, ctx.picker, cwd, spawnDefaults(ctx.settings()));
  if (!result) return undefined;
  if (result.failed.length > 0) {
    for (const failure of result.failed) ctx.channel.error(`instar.spawnParallel: ${failure.name} did not start: ${failure.error.message}`);
    void vscode.window.showErrorMessage(`Spawned ${result.spawned.length}; ${result.failed.length} failed: ${result.failed.map((f) => `${f.name}: ${f.error.message}`).join('; ')}`);
  }
  return result;
}
