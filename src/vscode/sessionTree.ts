/**
 * The Sessions view: sessions flat or grouped by state. Elements are plain records;
 * getTreeItem builds the TreeItems from the pure presentation functions. The tree owns its
 * refresh: engine events first (debounced), and a timer for the ages only while visible.
 */
import * as vscode from 'vscode';
import { jobLook } from '../core/presentation/jobPresentation';
import { GROUP_ORDER, sessionContextValue, sessionDescription, sessionTooltip, STATUS_LOOKS } from '../core/presentation/sessionPresentation';
import type { JobScheduler } from '../core/jobs/jobScheduler';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import type { SessionRecord, SessionStatus } from '../core/model/sessionRecord';

export type SessionNode =
  | { kind: 'group'; status: SessionStatus; count: number }
  | { kind: 'session'; name: string }
  | { kind: 'jobs' }
  | { kind: 'job'; slug: string }
  | { kind: 'jobProblems' };

export class SessionTreeProvider implements vscode.TreeDataProvider<SessionNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SessionNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private grouped: boolean;
  private debounce: NodeJS.Timeout | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private scheduler: JobScheduler | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly memento: vscode.Memento,
  ) {
    this.grouped = memento.get<boolean>('instar.groupByState', false);
    void vscode.commands.executeCommand('setContext', 'instar.groupByState', this.grouped);
    const subscription = engine.onDidChange(() => this.refreshSoon());
    this.disposables.push({ dispose: () => subscription.dispose() });
  }

  /** Shows the jobs of this scheduler in a Jobs group (none without one). */
  setScheduler(scheduler: JobScheduler | undefined): void {
    this.scheduler = scheduler;
    if (scheduler) {
      const subscription = scheduler.onDidChange(() => this.refreshSoon());
      this.disposables.push({ dispose: () => subscription.dispose() });
    }
    this.refresh();
  }

  get isGrouped(): boolean {
    return this.grouped;
  }

  async setGrouped(grouped: boolean): Promise<void> {
    this.grouped = grouped;
    await this.memento.update('instar.groupByState', grouped);
    await vscode.commands.executeCommand('setContext', 'instar.groupByState', grouped);
    this.refresh();
  }

  /** Coalesces bursts of engine events into one redraw. */
  refreshSoon(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.refresh();
    }, 50);
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  getChildren(element?: SessionNode): SessionNode[] {
    const records = this.engine.list().reverse();
    if (!element) {
      const jobs: SessionNode[] = this.scheduler && (this.scheduler.list().length > 0 || this.scheduler.problems.length > 0) ? [{ kind: 'jobs' }] : [];
      if (!this.grouped) return [...jobs, ...records.map((record) => ({ kind: 'session' as const, name: record.name }))];
      return [...jobs, ...GROUP_ORDER.map((status) => ({ kind: 'group' as const, status, count: records.filter((r) => r.status === status).length })).filter((group) => group.count > 0)];
    }
    if (element.kind === 'group') return records.filter((record) => record.status === element.status).map((record) => ({ kind: 'session', name: record.name }));
    if (element.kind === 'jobs' && this.scheduler) {
      const jobs: SessionNode[] = this.scheduler.list().map((state) => ({ kind: 'job', slug: state.definition.slug }));
      return this.scheduler.problems.length > 0 ? [...jobs, { kind: 'jobProblems' }] : jobs;
    }
    return [];
  }

  getParent(element: SessionNode): SessionNode | undefined {
    if (element.kind === 'job' || element.kind === 'jobProblems') return { kind: 'jobs' };
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
    if (element.kind === 'jobs') {
      const item = new vscode.TreeItem('Jobs', vscode.TreeItemCollapsibleState.Expanded);
      item.id = 'jobs';
      item.iconPath = new vscode.ThemeIcon('calendar');
      item.description = `${this.scheduler?.list().length ?? 0} in .instar/jobs.json`;
      item.contextValue = 'instar.jobs';
      return item;
    }
    if (element.kind === 'jobProblems') {
      const problems = this.scheduler?.problems ?? [];
      const item = new vscode.TreeItem(`jobs.json: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, vscode.TreeItemCollapsibleState.None);
      item.id = 'jobs:problems';
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      item.tooltip = problems.join('\n');
      return item;
    }
    if (element.kind === 'job') {
      const state = this.scheduler?.get(element.slug);
      if (!state) return new vscode.TreeItem(element.slug);
      const look = jobLook(state, Date.now());
      const item = new vscode.TreeItem(state.definition.name, vscode.TreeItemCollapsibleState.None);
      item.id = `job:${element.slug}`;
      item.description = look.description;
      item.tooltip = new vscode.MarkdownString(look.tooltip);
      item.iconPath = new vscode.ThemeIcon(state.enabled ? 'watch' : 'circle-slash');
      item.contextValue = `instar.job.${state.enabled ? 'enabled' : 'disabled'}`;
      return item;
    }
    const record = this.engine.get(element.name);
    if (!record) return new vscode.TreeItem(element.name);
    return this.sessionItem(record);
  }

  private sessionItem(record: SessionRecord): vscode.TreeItem {
    const look = STATUS_LOOKS[record.status];
    const item = new vscode.TreeItem(record.name, vscode.TreeItemCollapsibleState.None);
    item.id = `session:${record.name}:${record.id}`;
    item.description = sessionDescription(record, Date.now());
    item.iconPath = new vscode.ThemeIcon(look.icon, new vscode.ThemeColor(look.color));
    item.contextValue = sessionContextValue(record);
    item.command = { command: 'instar.openTerminal', title: 'Open Session as Editor Terminal', arguments: [{ kind: 'session', name: record.name }] };
    item.accessibilityInformation = { label: `${record.name}, ${look.label}${record.statusDetail ? `, ${record.statusDetail}` : ''}` };
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
    if (this.debounce) clearTimeout(this.debounce);
    for (const disposable of this.disposables) disposable.dispose();
    this.changeEmitter.dispose();
  }
}
