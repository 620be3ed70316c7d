/** instar.kill: interrupts a live session's agent; its record and output stay. From the palette it asks first. */
import * as vscode from 'vscode';
import { isEnded } from '../../core/model/sessionRecord';
import { resolveSession } from '../pickers/sessionPicker';
import type { CommandContext } from './commandContext';

export async function kill(ctx: CommandContext, arg: unknown): Promise<unknown> {
  const record = await resolveSession(ctx.engine, ctx.picker, arg, { placeHolder: 'Kill which session?', filter: (r) => !isEnded(r), none: 'No session is running.' });
  if (!record) return undefined;
  if (arg === undefined) {
    const confirm = await vscode.window.showWarningMessage(`Kill ${record.name}? The agent is interrupted; its record and output stay.`, { modal: true }, 'Kill');
    if (confirm !== 'Kill') return undefined;
  }
  return ctx.engine.kill(record.name);
}
