/**
 * The Sessions view: the Jobs group (when there are jobs), then the sessions, flat or grouped by
 * state. Elements are plain records; getTreeItem builds the TreeItems from the pure presentation
 * functions. It redraws when told to (`refresh`); the refresh controller decides when.
 */
import * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import type { SessionRecord, SessionStatus } from '../../core/model/sessionRecord';
import { GROUP_ORDER, sessionAccessibleLabel, sessionContextValue, sessionDescription, sessionTooltip, STATUS_LOOKS } from '../../core/presentation/sessionPresentation';
import type { SessionEngine, TmuxSessionInfo } from '../../core/sessions/sessionEngine';
import { foreignChildren, ForeignNode, foreignRoots, foreignTreeItem } from './foreignNodes';
import { jobChildren, JobNode, jobRoots, jobTreeItem } from './jobNodes';

export type SessionNode = { kind: 'group'; status: SessionStatus; count: number } | { kind: 'session'; name: string } | JobNode | ForeignNode;

const GROUPED_KEY = 'instar.groupByState';

export class SessionTreeProvider implements vscode.TreeDataProvider<SessionNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SessionNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private grouped: boolean;
  private scheduler: JobScheduler | undefined;
  /** tmux sessions on the server that Instar did not start, as last listed. */
  private foreign: TmuxSessionInfo[] = [];
  /** One node object per session, so that a session's row can be redrawn alone. */
  private readonly nodes = new Map<string, SessionNode & { kind: 'session' }>();
  /** What each session's row was last drawn with (see look). */
  private readonly drawn = new Map<string, string>();

  constructor(
    private readonly engine: SessionEngine,
    private readonly memento: vscode.Memento,
  ) {
    this.grouped = memento.get<boolean>(GROUPED_KEY, false);
    void vscode.commands.executeCommand('setContext', GROUPED_KEY, this.grouped);
  }

  /** Shows the jobs of this scheduler in a Jobs group (none without one). */
  setScheduler(scheduler: JobScheduler | undefined): void {
    this.scheduler = scheduler;
    this.refresh();
  }

  /** Shows these tmux sessions (those Instar did not start) in their group. */
  setForeign(sessions: TmuxSessionInfo[]): void {
    const before = this.foreign.map((session) => `${session.name}:${session.dead}:${session.attached}`).join();
    this.foreign = sessions.filter((session) => !session.known && this.engine.get(session.name) === undefined);
    if (this.foreign.map((session) => `${session.name}:${session.dead}:${session.attached}`).join() !== before) this.refresh();
  }

  get isGrouped(): boolean {
    return this.grouped;
  }

  async setGrouped(grouped: boolean): Promise<void> {
    this.grouped = grouped;
    await this.memento.update(GROUPED_KEY, grouped);
    await vscode.commands.executeCommand('setContext', GROUPED_KEY, grouped);
    this.refresh();
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  /**
   * Redraws what changed: only these sessions' rows when they are all shown already and the list
   * keeps its shape (flat, none removed); the whole tree otherwise.
   */
  refreshSessions(changed: readonly string[], removed: readonly string[]): void {
    if (this.grouped || removed.length > 0 || changed.some((name) => !this.nodes.has(name))) {
      for (const name of removed) {
        this.nodes.delete(name);
        this.drawn.delete(name);
      }
      this.refresh();
      return;
    }
    // A change that shows nowhere in the row (how far its transcript was read, an event's time) is
    // not redrawn: a row redrawn under the pointer can lose a click, and each redraw costs both sides.
    for (const name of changed) {
      const record = this.engine.get(name);
      if (record && this.drawn.get(name) === this.look(record, Date.now())) continue;
      this.changeEmitter.fire(this.nodes.get(name));
    }
  }

  /**
   * What a session's row shows, and the tooltip's parts that change apart from it (the detail, the
   * last answer): any change of these is a redraw. Tokens that grow under an unchanged cost wait
   * for the next one.
   */
  private look(record: SessionRecord, now: number): string {
    return lookOf(record, rowTexts(record, now));
  }

  /** Redraws the rows whose description reads differently now (an age ticked over); returns how many. */
  redrawStale(): number {
    const now = Date.now();
    let stale = 0;
    for (const [name, node] of this.nodes) {
      const record = this.engine.get(name);
      const shown = this.drawn.get(name);
      if (!record || shown === undefined || shown === this.look(record, now)) continue;
      this.changeEmitter.fire(node);
      stale += 1;
    }
    return stale;
  }

  private sessionNode(name: string): SessionNode {
    let node = this.nodes.get(name);
    if (!node) {
      node = { kind: 'session', name };
      this.nodes.set(name, node);
    }
    return node;
  }

  getChildren(element?: SessionNode): SessionNode[] {
    const records = this.engine.list().reverse();
    if (!element) {
      const jobs = jobRoots(this.scheduler);
      const foreign = foreignRoots(this.foreign);
      if (!this.grouped) return [...jobs, ...records.map((record) => this.sessionNode(record.name)), ...foreign];
      return [...jobs, ...GROUP_ORDER.map((status) => ({ kind: 'group' as const, status, count: records.filter((r) => r.status === status).length })).filter((group) => group.count > 0), ...foreign];
    }
    if (element.kind === 'group') return records.filter((record) => record.status === element.status).map((record) => this.sessionNode(record.name));
    if (element.kind === 'jobs' && this.scheduler) return jobChildren(this.scheduler);
    if (element.kind === 'foreign') return foreignChildren(this.foreign);
    return [];
  }

  getParent(element: SessionNode): SessionNode | undefined {
    if (element.kind === 'job' || element.kind === 'jobProblems') return { kind: 'jobs' };
    if (element.kind === 'tmux') return { kind: 'foreign' };
    if (element.kind !== 'session' || !this.grouped) return undefined;
    const record = this.engine.get(element.name);
    return record ? { kind: 'group', status: record.status, count: 0 } : undefined;
  }

  getTreeItem(element: SessionNode): vscode.TreeItem {
    if (element.kind === 'group') {
      const look = STATUS_LOOKS[element.status];
      const item = new vscode.TreeItem(look.label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `group:${element.status}`;
      item.description = String(element.count);
      item.iconPath = new vscode.ThemeIcon(look.icon.replace('~spin', ''), new vscode.ThemeColor(look.color));
      item.contextValue = 'instar.group';
      return item;
    }
    if (element.kind === 'foreign' || element.kind === 'tmux') return foreignTreeItem(element, this.foreign);
    if (element.kind !== 'session') {
      const costs = (slug: string) => ({ ofSession: (name: string) => this.engine.get(name)?.usage?.costUsd, today: this.engine.jobCostToday(slug) });
      return jobTreeItem(element, this.scheduler, Date.now(), costs);
    }
    const record = this.engine.get(element.name);
    if (!record) return new vscode.TreeItem(element.name);
    return this.sessionItem(record);
  }

  private sessionItem(record: SessionRecord): vscode.TreeItem {
    const look = STATUS_LOOKS[record.status];
    const item = new vscode.TreeItem(record.name, vscode.TreeItemCollapsibleState.None);
    item.id = `session:${record.name}:${record.id}`;
    const texts = rowTexts(record, Date.now());
    this.drawn.set(record.name, lookOf(record, texts));
    item.description = texts.description;
    item.iconPath = new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
    item.contextValue = texts.contextValue;
    item.command = { command: 'instar.openTerminal', title: 'Open Session as Editor Terminal', arguments: [{ kind: 'session', name: record.name }] };
    item.accessibilityInformation = { label: texts.label };
    return item;
  }

  /** Tooltips are built when hovered. */
  resolveTreeItem(item: vscode.TreeItem, element: SessionNode): vscode.TreeItem {
    if (element.kind !== 'session') return item;
    const record = this.engine.get(element.name);
    if (!record) return item;
    let attach: string | undefined;
    try {
      attach = this.engine.attachCommand(record.name);
    } catch {
      attach = undefined;
    }
    item.tooltip = new vscode.MarkdownString(sessionTooltip(record, Date.now(), attach));
    return item;
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}

/** The texts of a session's row. */
function rowTexts(record: SessionRecord, now: number): { description: string; contextValue: string; label: string } {
  return { description: sessionDescription(record, now), contextValue: sessionContextValue(record), label: sessionAccessibleLabel(record, now) };
}

/** A row's texts with the tooltip's parts that change apart from them, as one string to compare. */
function lookOf(record: SessionRecord, texts: ReturnType<typeof rowTexts>): string {
  return [record.id, record.status, texts.description, texts.contextValue, texts.label, record.statusDetail ?? '', record.lastAnswer ?? ''].join('\u0000');
}
