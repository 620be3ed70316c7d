/** Which tmux session Instar did not start a command acts on: the clicked node, a name, or a pick. */
import * as vscode from 'vscode';
import type { CommandContext } from '../commands/commandContext';

export async function resolveForeign(ctx: CommandContext, arg: unknown): Promise<string | undefined> {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'name' in arg && typeof arg.name === 'string') return arg.name;
  const foreign = (await ctx.engine.listTmuxSessions()).filter((session) => !session.known && !session.dead);
  if (foreign.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Every live tmux session on Instar\'s server is already Instar\'s.'));
    return undefined;
  }
  const picked = await ctx.picker.pick(
    foreign.map((session) => ({ label: session.name, description: session.attached ? 'attached' : undefined, detail: session.attachCommand })),
    { placeHolder: vscode.l10n.t('Adopt which tmux session?') },
  );
  return picked?.label;
}
