/** instar.showTmuxSessions: every session of the tmux server, Instar's or not; picking one copies its attach command. */
import * as vscode from 'vscode';
import { STATUS_LOOKS } from '../../core/presentation/sessionPresentation';
import type { CommandContext } from './commandContext';

export async function showTmuxSessions(ctx: CommandContext): Promise<unknown> {
  const sessions = await ctx.engine.listTmuxSessions();
  const socket = ctx.engine.socket ? `tmux -L ${ctx.engine.socket}` : 'the default tmux server';
  if (sessions.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No tmux sessions on {0}.', socket));
    return sessions;
  }
  const picked = await ctx.picker.pick(
    sessions.map((session) => {
      const record = session.session === undefined ? undefined : ctx.engine.get(session.session);
      return {
        label: session.name,
        description: [record ? `${record.name}: ${STATUS_LOOKS[record.status].label}` : session.otherWorkspace ? "another workspace's" : session.known ? 'Instar' : 'not started by Instar', session.dead ? 'exited' : 'running', session.attached ? 'attached' : undefined].filter(Boolean).join(' · '),
        detail: `${session.panes} pane${session.panes === 1 ? '' : 's'}${session.createdAt ? ` · created ${new Date(session.createdAt).toLocaleString()}` : ''}`,
        session,
      };
    }),
    { title: vscode.l10n.t('tmux sessions on {0}', socket), placeHolder: vscode.l10n.t('Pick one to copy its attach command') },
  );
  if (picked) {
    await vscode.env.clipboard.writeText(picked.session.attachCommand);
    void vscode.window.showInformationMessage(vscode.l10n.t('Copied the attach command of {0}.', picked.session.name));
  }
  return sessions;
}
