/**
 * The "Kept worktrees" group of the Sessions view: worktrees whose session was removed with its
 * worktree kept, each to be reviewed, merged, opened in a window of its own or discarded.
 */
import * as vscode from 'vscode';
import { formatAge } from '../../core/presentation/sessionPresentation';
import type { KeptWorktree } from '../../core/sessions/sessionEngine';

export type KeptNode = { kind: 'kept' } | { kind: 'keptWorktree'; name: string };

export function keptChildren(kept: readonly KeptWorktree[]): KeptNode[] {
  return kept.map((entry) => ({ kind: 'keptWorktree', name: entry.name }));
}

export function keptTreeItem(node: KeptNode, kept: readonly KeptWorktree[], now: number): vscode.TreeItem {
  if (node.kind === 'kept') {
    const item = new vscode.TreeItem('Kept worktrees', vscode.TreeItemCollapsibleState.Collapsed);
    item.id = 'kept';
    item.description = `${kept.length} from removed sessions`;
    item.iconPath = new vscode.ThemeIcon('git-branch');
    item.tooltip = 'Worktrees whose session was removed with its worktree kept: review, merge, open or discard each from its menu.';
    item.contextValue = 'instar.kept';
    return item;
  }
  const entry = kept.find((candidate) => candidate.name === node.name);
  const item = new vscode.TreeItem(entry?.worktree.branch ?? node.name, vscode.TreeItemCollapsibleState.None);
  item.id = `kept:${node.name}`;
  if (!entry) return item;
  item.description = `${entry.name} · from ${entry.worktree.base} · removed ${formatAge(now - entry.keptAt)} ago`;
  item.iconPath = new vscode.ThemeIcon('git-branch');
  item.tooltip = new vscode.MarkdownString(`Branch \`${entry.worktree.branch}\` of the removed session **${entry.name}**, from \`${entry.worktree.base}\`  \nFolder: \`${entry.worktree.path}\``);
  item.contextValue = 'instar.keptWorktree';
  item.command = { command: 'instar.reviewChanges', title: vscode.l10n.t('Review Changes'), arguments: [node] };
  item.accessibilityInformation = { label: `${entry.worktree.branch}, worktree kept from the removed session ${entry.name}` };
  return item;
}
