/**
 * The "Other workspaces" group of the Sessions view: the live sessions of this machine's other
 * projects on the same tmux server, by workspace, with their state and cost as each workspace's
 * leader publishes them; those waiting for a person first. Read-only here: each workspace and
 * session row opens that project's folder in a window of its own.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OtherSession } from '../../core/sessions/sessionEngine';
import { formatUsd } from '../../core/model/usage';

export type OtherNode = { kind: 'others' } | { kind: 'otherWorkspace'; key: string } | { kind: 'otherSession'; key: string; tmuxSession: string };

/** What the group shows: the sessions, and the folder of each workspace key where one is noted. */
export interface OthersShown {
  sessions: readonly OtherSession[];
  folderOf: (key: string) => string | undefined;
  /** The one node object of a row (VS Code knows a node by its object). */
  node: (key: string, tmuxSession?: string) => OtherNode;
}

/** One node object per row, made once (VS Code knows a node by its object). */
export function otherNodeCache(): OthersShown['node'] {
  const nodes = new Map<string, OtherNode>();
  return (key, tmuxSession) => {
    const id = tmuxSession === undefined ? key : `${key}\n${tmuxSession}`;
    let node = nodes.get(id);
    if (!node) {
      node = tmuxSession === undefined ? { kind: 'otherWorkspace', key } : { kind: 'otherSession', key, tmuxSession };
      nodes.set(id, node);
    }
    return node;
  };
}

/** The workspaces, those with a session waiting for a person first. */
export function otherChildren(node: OtherNode, shown: OthersShown): OtherNode[] {
  if (node.kind === 'others') {
    const keys = [...new Set(shown.sessions.map((session) => session.workspaceKey))];
    const waiting = (key: string) => shown.sessions.some((session) => session.workspaceKey === key && session.status === 'waiting');
    const label = (key: string) => path.basename(shown.folderOf(key) ?? key);
    return keys.sort((a, b) => Number(waiting(b)) - Number(waiting(a)) || label(a).localeCompare(label(b))).map((key) => shown.node(key));
  }
  if (node.kind === 'otherWorkspace') {
    return shown.sessions
      // In the engine's order: those waiting first.
      .filter((session) => session.workspaceKey === node.key)
      .map((session) => shown.node(node.key, session.tmuxSession));
  }
  return [];
}

export function otherParent(node: OtherNode, othersNode: OtherNode, shown: OthersShown): OtherNode | undefined {
  if (node.kind === 'otherWorkspace') return othersNode;
  if (node.kind === 'otherSession') return shown.node(node.key);
  return undefined;
}

export function otherTreeItem(node: OtherNode, shown: OthersShown): vscode.TreeItem {
  const waiting = (sessions: readonly OtherSession[]) => sessions.filter((session) => session.status === 'waiting').length;
  if (node.kind === 'others') {
    const count = waiting(shown.sessions);
    // Open by itself when someone waits: that is what this group is for.
    const item = new vscode.TreeItem('Other workspaces', count > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = count > 0 ? 'others:waiting' : 'others';
    item.description = [`${shown.sessions.length} live`, count > 0 ? `${count} waiting for you` : undefined].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(count > 0 ? 'bell-dot' : 'multiple-windows', count > 0 ? new vscode.ThemeColor('list.warningForeground') : undefined);
    item.tooltip = 'Live sessions of the other workspaces on this tmux server (other projects open on this machine). Open a workspace to steer its sessions.';
    item.contextValue = 'instar.others';
    return item;
  }
  const folder = shown.folderOf(node.key);
  if (node.kind === 'otherWorkspace') {
    const sessions = shown.sessions.filter((session) => session.workspaceKey === node.key);
    const count = waiting(sessions);
    const item = new vscode.TreeItem(folder ? path.basename(folder) : `workspace ${node.key.slice(0, 8)}`, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `other:${node.key}`;
    item.description = [`${sessions.length} live`, count > 0 ? `${count} waiting` : undefined, folder].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon('folder');
    item.tooltip = folder ? `${folder}\nOpen this workspace to steer its sessions.` : 'A workspace no window of this machine has noted: its folder is not known.';
    item.contextValue = folder ? 'instar.otherWorkspace' : 'instar.otherWorkspace.unknown';
    if (folder) item.command = { command: 'instar.openOtherWorkspace', title: vscode.l10n.t('Open Workspace'), arguments: [node] };
    return item;
  }
  const session = shown.sessions.find((candidate) => candidate.tmuxSession === node.tmuxSession);
  const item = new vscode.TreeItem(session?.name ?? node.tmuxSession, vscode.TreeItemCollapsibleState.None);
  item.id = `other:${node.key}:${node.tmuxSession}`;
  const status = session?.status ?? 'live';
  item.description = [status === 'waiting' ? 'waiting for you' : status, session?.costUsd !== undefined ? formatUsd(session.costUsd) : undefined, session?.attached ? 'attached' : undefined].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(status === 'waiting' ? 'bell-dot' : status === 'running' ? 'sync' : 'circle-outline', status === 'waiting' ? new vscode.ThemeColor('list.warningForeground') : undefined);
  item.tooltip = `${session?.name ?? node.tmuxSession} in ${folder ?? 'another workspace'} (tmux: ${node.tmuxSession})${folder ? '\nOpen that workspace to steer it.' : ''}`;
  item.contextValue = folder ? 'instar.otherSession' : 'instar.otherSession.unknown';
  if (folder) item.command = { command: 'instar.openOtherWorkspace', title: vscode.l10n.t('Open Workspace'), arguments: [node] };
  return item;
}
