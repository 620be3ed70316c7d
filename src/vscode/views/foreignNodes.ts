/**
 * The "Not started by Instar" group of the Sessions view: tmux sessions on Instar's server that
 * no record holds (a claude run by hand, an orphan), each offered for adoption.
 */
import * as vscode from 'vscode';
import type { TmuxSessionInfo } from '../../core/sessions/sessionEngine';

export type ForeignNode = { kind: 'foreign' } | { kind: 'tmux'; name: string };

export function foreignChildren(sessions: readonly TmuxSessionInfo[]): ForeignNode[] {
  return sessions.map((session) => ({ kind: 'tmux', name: session.name }));
}

export function foreignTreeItem(node: ForeignNode, sessions: readonly TmuxSessionInfo[]): vscode.TreeItem {
  if (node.kind === 'foreign') {
    const item = new vscode.TreeItem('Not started by Instar', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = 'foreign';
    item.description = `${sessions.length} tmux session${sessions.length === 1 ? '' : 's'}`;
    item.iconPath = new vscode.ThemeIcon('question');
    item.tooltip = 'tmux sessions on this server that Instar did not start. Adopt one to track it here (by its screen and its exit: it has no hooks).';
    item.contextValue = 'instar.foreign';
    return item;
  }
  const session = sessions.find((candidate) => candidate.name === node.name);
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
  item.id = `tmux:${node.name}`;
  item.description = session ? [session.dead ? 'exited' : 'running', session.attached ? 'attached' : undefined].filter(Boolean).join(' · ') : undefined;
  item.iconPath = new vscode.ThemeIcon('terminal-tmux');
  item.tooltip = session ? `Not started by Instar. Attach: ${session.attachCommand}` : undefined;
  item.contextValue = `instar.tmux.${session?.dead ? 'dead' : 'live'}`;
  return item;
}
