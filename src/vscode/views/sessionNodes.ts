/**
 * The rows of sessions and of the state groups in the Sessions view, built from the pure
 * presentation functions, and what the view compares to know a row is out of date: its look
 * (every text it shows) and its truth (the state, run and actions a row must never get wrong).
 */
import * as vscode from 'vscode';
import type { SessionRecord, SessionStatus } from '../../core/model/sessionRecord';
import { ENDED_PAGE } from '../../core/presentation/sessionListing';
import { sessionAccessibleLabel, sessionContextValue, sessionDescription, STATUS_LOOKS } from '../../core/presentation/sessionPresentation';

/** The parts of a session's row that must be true: its run, its state, what it offers. */
export function truthOf(record: SessionRecord): string {
  return [record.status, record.id, sessionContextValue(record)].join('\u0000');
}

/** A truth in words, for the log: its state. */
export const stateOfTruth = (truth: string): string => STATUS_LOOKS[truth.split('\u0000')[0] as SessionStatus]?.label ?? 'nothing';

/** The texts of a session's row. */
function rowTexts(record: SessionRecord, now: number): { description: string; contextValue: string; label: string } {
  return { description: sessionDescription(record, now), contextValue: sessionContextValue(record), label: sessionAccessibleLabel(record, now) };
}

/** A row's texts with the tooltip's parts that change apart from them, as one string to compare. */
function lookOf(record: SessionRecord, texts: ReturnType<typeof rowTexts>): string {
  return [record.id, record.status, texts.description, texts.contextValue, texts.label, record.statusDetail ?? '', record.lastAnswer ?? ''].join('\u0000');
}

/**
 * What a session's row shows now, and the tooltip's parts that change apart from it (the detail,
 * the last answer), as one string to compare with what was drawn: any change of these is a
 * redraw. Tokens that grow under an unchanged cost wait for the next one.
 */
export function lookNow(record: SessionRecord, now: number): string {
  return lookOf(record, rowTexts(record, now));
}

/** A session's row (a click opens its terminal), with the look it draws. */
export function sessionTreeItem(record: SessionRecord, now: number): { item: vscode.TreeItem; look: string } {
  const look = STATUS_LOOKS[record.status];
  const item = new vscode.TreeItem(record.name, vscode.TreeItemCollapsibleState.None);
  item.id = `session:${record.name}:${record.id}`;
  const texts = rowTexts(record, now);
  item.description = texts.description;
  item.iconPath = new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
  item.contextValue = texts.contextValue;
  item.command = { command: 'instar.openTerminal', title: vscode.l10n.t('Open Session as Editor Terminal'), arguments: [{ kind: 'session', name: record.name }] };
  item.accessibilityInformation = { label: texts.label };
  return { item, look: lookOf(record, texts) };
}

/** The row of a session that went: the id it was drawn with, so that VS Code's row is the one replaced. */
export function removedTreeItem(name: string, id: string | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.None);
  if (id) item.id = `session:${name}:${id}`;
  item.description = 'removed';
  return item;
}

/** A row that could not be built: its name, and for a session its id and state. */
export function plainTreeItem(name: string, expanded: boolean, record: SessionRecord | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(name, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
  if (record) {
    item.id = `session:${record.name}:${record.id}`;
    item.description = STATUS_LOOKS[record.status].label;
  }
  return item;
}

/** A state's group, with the number of sessions in it. */
export function groupTreeItem(status: SessionStatus, count: number): vscode.TreeItem {
  const look = STATUS_LOOKS[status];
  const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `group:${status}`;
  item.description = String(count);
  item.iconPath = new vscode.ThemeIcon(look.icon.replace('~spin', ''), new vscode.ThemeColor(look.color));
  item.contextValue = 'instar.group';
  return item;
}

/** A "more" row: the ended sessions a page left out, in the flat list ('root') or a state's group. */
export type MoreNode = { kind: 'more'; group: 'root' | SessionStatus };

/** The row that shows the next page of ended sessions. */
export function moreTreeItem(node: MoreNode, count: number): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('{0} more ended sessions…', count), vscode.TreeItemCollapsibleState.None);
  item.id = `more:${node.group}`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.tooltip = vscode.l10n.t('Show {0} more (the newest first)', Math.min(count, ENDED_PAGE));
  item.contextValue = 'instar.more';
  item.command = { command: 'instar.showMoreEnded', title: vscode.l10n.t('Show More Ended Sessions') };
  return item;
}

/** The row that says a filter keeps no session, and offers to clear it. */
export function noMatchTreeItem(filter: string): vscode.TreeItem {
  const item = new vscode.TreeItem(vscode.l10n.t('No session matches "{0}"', filter), vscode.TreeItemCollapsibleState.None);
  item.id = 'noMatch';
  item.iconPath = new vscode.ThemeIcon('filter');
  item.description = vscode.l10n.t('click to clear the filter');
  item.contextValue = 'instar.noMatch';
  item.command = { command: 'instar.clearSessionFilter', title: vscode.l10n.t('Clear Filter') };
  return item;
}

/** One node object per key, made when first asked for (VS Code knows a node by its object). */
export class NodeMap<K, N> extends Map<K, N> {
  constructor(private readonly make: (key: K) => N) {
    super();
  }

  of(key: K): N {
    let node = this.get(key);
    if (!node) {
      node = this.make(key);
      this.set(key, node);
    }
    return node;
  }
}
