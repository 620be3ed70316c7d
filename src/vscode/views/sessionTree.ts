/**
 * The Sessions view: the Jobs group (when there are jobs), then the sessions, flat or grouped by
 * state, then the kept worktrees, the tmux sessions Instar did not start and the other workspaces
 * (sideGroups). Elements are plain records; getTreeItem builds the TreeItems from the pure
 * presentation functions. It redraws when told to (`refresh`), one redraw at a time
 * (redrawQueue); the refresh controller decides when.
 */
import * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import type { SessionStatus } from '../../core/model/sessionRecord';
import type { Logger } from '../../core/util/host';
import { GROUP_ORDER, sessionTooltip } from '../../core/presentation/sessionPresentation';
import type { KeptWorktree, OtherSession, SessionEngine, TmuxSessionInfo } from '../../core/sessions/sessionEngine';
import { DrawnRows, RowProblem } from './drawnRows';
import { flatText, ListingChoice } from './listingChoice';
import { RedrawQueue } from './redrawQueue';
import { SideGroups, SideNode } from './sideGroups';
import { groupTreeItem, lookNow, MoreNode, moreTreeItem, NodeMap, noMatchTreeItem, plainTreeItem, removedTreeItem, sessionTreeItem, stateOfTruth, truthOf } from './sessionNodes';

export type SessionNode = { kind: 'group'; status: SessionStatus } | { kind: 'session'; name: string } | MoreNode | { kind: 'noMatch' } | SideNode;

const GROUPED_KEY = 'instar.groupByState';
/** How long a row may disagree with the engine before it is redrawn (and the log says so). */
export const STALE_ROW_MS = 1000;
/** A row that stays wrong is logged again at most this often. */
const RELOG_MS = 30_000;

export class SessionTreeProvider implements vscode.TreeDataProvider<SessionNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SessionNode | SessionNode[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private grouped: boolean;
  /** The Jobs group, the kept worktrees, the tmux sessions Instar did not start, the other workspaces. */
  private readonly side: SideGroups;
  /** One node object per session and group, so that each can be redrawn alone (VS Code knows a node by its object). */
  private readonly nodes = new NodeMap((name: string): SessionNode & { kind: 'session' } => ({ kind: 'session', name }));
  private readonly groups = new NodeMap((status: SessionStatus): SessionNode & { kind: 'group' } => ({ kind: 'group', status }));
  private readonly moreNodes = new NodeMap((group: MoreNode['group']): MoreNode => ({ kind: 'more', group }));
  private readonly noMatchNode: SessionNode = { kind: 'noMatch' };
  /** What the list shows: the filter's sessions, the live ones and a page of the ended ones. */
  private readonly listing: ListingChoice;
  /** The filter changed (the view's description says it). */
  readonly onDidChangeFilter: vscode.Event<void>;
  /** The top of the list as last listed (which groups, or a flat list; Jobs and the other tmux sessions or not). */
  private listedTop = '';
  /** The sessions of the flat list as last listed, in order. */
  private listedFlat = '';
  /** Redraws asked of VS Code one at a time, those asked for meanwhile merged. */
  private readonly redraws = new RedrawQueue<SessionNode>((parts) => this.changeEmitter.fire(parts));
  /** What each session's row was last drawn with (see lookNow). */
  private readonly drawn = new Map<string, string>();
  /** Each row's truth as drawn, against the engine's (the check for rows that stay wrong). */
  private readonly rows = new DrawnRows(stateOfTruth);
  /** The id each session's row was drawn with: a row asked for after its session went keeps it. */
  private readonly ids = new Map<string, string>();
  /** When each stale row was last logged. */
  private readonly logged = new Map<string, number>();

  constructor(
    private readonly engine: SessionEngine,
    private readonly memento: vscode.Memento,
    private readonly logger: Logger,
  ) {
    this.grouped = memento.get<boolean>(GROUPED_KEY, false);
    void vscode.commands.executeCommand('setContext', GROUPED_KEY, this.grouped);
    this.listing = new ListingChoice(memento);
    this.side = new SideGroups(engine);
    this.onDidChangeFilter = this.listing.onDidChange;
  }

  /** The filter as typed ('' for none). */
  get filterText(): string {
    return this.listing.text;
  }

  /** Shows only the sessions `text` keeps ('' shows every one); throws, saying what is allowed, for a filter that is not one. */
  async setFilter(text: string): Promise<void> {
    await this.listing.setFilter(text);
    this.refresh();
  }

  /** Shows another page of ended sessions. */
  showMoreEnded(): void {
    this.listing.showMore();
    this.refresh();
  }

  /** Shows the jobs of this scheduler in a Jobs group (none without one). */
  setScheduler(scheduler: JobScheduler | undefined): void {
    this.side.setScheduler(scheduler);
    this.refresh();
  }

  /** Shows these tmux sessions (those Instar did not start) in their group. */
  setForeign(sessions: TmuxSessionInfo[]): void {
    if (this.side.setForeign(sessions)) this.redrawPart(this.side.foreignNode);
  }

  /** Shows the other workspaces' live sessions (and, by key, the folder of each) in their group. */
  setOthers(sessions: readonly OtherSession[], folderOf: (key: string) => string | undefined): void {
    this.side.setOthers(sessions, folderOf);
    // The group coming, going, or opening by itself while someone waits (its id) changes the top: the whole list is redrawn.
    this.redrawPart(this.side.othersNode);
  }

  /** Shows these kept worktrees in their group. */
  setKept(kept: KeptWorktree[]): void {
    if (this.side.setKept(kept)) this.redrawPart(this.side.keptNode);
  }

  /** Redraws the Jobs group (its jobs and their runs' states). */
  refreshJobs(): void {
    this.redrawPart(this.side.jobsNode);
  }

  /** Redraws one part of the list (a group and what is in it), or the whole list when its top changed (a group came or went). */
  private redrawPart(node: SessionNode): void {
    if (this.top() !== this.listedTop) this.refresh();
    else this.redraws.redraw([node]);
  }

  /** What the top of the list is now (see listedTop). */
  private top(): string {
    const parts = this.side.topParts();
    if (!this.grouped) return [...parts, 'flat'].join(',');
    const statuses = new Set(this.engine.list().filter((record) => this.listing.matches(record)).map((record) => record.status));
    return [...parts, ...GROUP_ORDER.filter((status) => statuses.has(status))].join(',');
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
    this.redraws.redraw(undefined);
  }

  /**
   * Redraws what changed, as little as can show it: a session's row alone where it stays where it
   * is; grouped, the groups it left and joined (and one it was removed from); the whole list when
   * its top changed (a group came or went) or, flat, a session came or went.
   */
  refreshSessions(changed: readonly string[], removed: readonly string[]): void {
    const parts = new Set<SessionNode>();
    for (const name of removed) {
      // The group it was listed in is listed again (the check goes on seeing its row until then).
      const parent = this.rows.parentOf(name);
      if (parent !== undefined && parent !== 'root') parts.add(this.groups.of(parent as SessionStatus));
      this.forget(name);
    }
    // Flat, with a filter a change can take a session into the list or out of it, and past a page of
    // ended sessions an ending can move one out of the page: listed again where it did. (Grouped, a
    // change of state is a move between groups, redrawn below.)
    const relisted = !this.grouped && changed.length > 0 && (this.listing.filtered || this.listing.paged(this.engine.list())) && flatText(this.listing.listed(this.engine.list().reverse())) !== this.listedFlat;
    if (this.top() !== this.listedTop || (!this.grouped && (removed.length > 0 || changed.some((name) => !this.nodes.has(name)))) || relisted) {
      this.refresh();
      return;
    }
    const rows: string[] = [];
    for (const name of changed) {
      const record = this.engine.get(name);
      if (!record) continue;
      const parent = this.rows.parentOf(name);
      if (this.grouped && parent !== record.status) {
        // It moved (or is new): the group it left and the one it joined are listed again.
        if (parent !== undefined && parent !== 'root') parts.add(this.groups.of(parent as SessionStatus));
        parts.add(this.groups.of(record.status));
        continue;
      }
      // A change that shows nowhere in the row (how far its transcript was read, an event's time) is
      // not redrawn: a row redrawn under the pointer can lose a click, and each redraw costs both sides.
      if (this.drawn.get(name) !== lookNow(record, Date.now())) rows.push(name);
    }
    // Only rows VS Code has (listed): one it does not know is never fetched, and the next redraw would wait for it.
    const alone = rows.filter((name) => this.nodes.has(name) && this.rows.parentOf(name) !== undefined).map((name) => this.nodes.get(name)!);
    if (parts.size > 0 || alone.length > 0) this.redraws.redraw([...parts, ...alone]);
  }

  /** Redraws the rows whose description reads differently now (an age ticked over); returns how many. */
  redrawStale(): number {
    const now = Date.now();
    const stale: SessionNode[] = [];
    for (const [name, node] of this.nodes) {
      const record = this.engine.get(name);
      const shown = this.drawn.get(name);
      if (!record || shown === undefined || shown === lookNow(record, now)) continue;
      stale.push(node);
    }
    if (stale.length > 0) this.redraws.redraw(stale);
    return stale.length;
  }

  /**
   * Redraws the rows that have disagreed with the engine for STALE_ROW_MS (another state, no
   * row, a row of a session that is gone), and says so in the log; returns how many.
   */
  checkRows(now = Date.now()): number {
    const visible = this.listing.visibleNames(this.engine.list().reverse(), this.grouped);
    const expected = this.engine
      .list()
      .filter((record) => visible.has(record.name))
      .map((record) => ({ name: record.name, truth: truthOf(record), group: record.status }));
    const problems = this.rows.check(expected, this.grouped, now, STALE_ROW_MS);
    if (problems.length === 0) return 0;
    for (const problem of problems) this.report(problem, now);
    if (problems.every((problem) => problem.rowAlone && this.nodes.has(problem.name))) this.redraws.redraw(problems.map((problem) => this.nodes.get(problem.name)!));
    else this.refresh();
    for (const problem of problems) this.rows.redrawn(problem.name, now);
    return problems.length;
  }

  private report(problem: RowProblem, now: number): void {
    const message = `The Sessions view: ${problem.name} ${problem.what}, for ${problem.ms} ms; redrawn ${problem.rowAlone ? 'its row' : 'the list'}`;
    if (now - (this.logged.get(problem.name) ?? -Infinity) < RELOG_MS) return this.logger.debug(message);
    this.logged.set(problem.name, now);
    this.logger.warn(message);
  }

  private forget(name: string): void {
    this.nodes.delete(name);
    this.drawn.delete(name);
    this.ids.delete(name);
    this.logged.delete(name);
    this.rows.forget(name);
  }

  getChildren(element?: SessionNode): SessionNode[] {
    this.redraws.fetched();
    const records = this.engine.list().reverse();
    if (!element) {
      const jobs = this.side.above();
      const foreign = this.side.below();
      this.listedTop = this.top();
      // A filter that keeps nothing says so (the welcome view would say there are no sessions at all).
      const none = this.listing.filtered && !records.some((record) => this.listing.matches(record)) ? [this.noMatchNode] : [];
      if (!this.grouped) {
        const { shown, moreEnded } = this.listing.listed(records);
        this.rows.listedRoot(shown.map((record) => record.name));
        this.listedFlat = flatText({ shown, moreEnded });
        return [...jobs, ...shown.map((record) => this.nodes.of(record.name)), ...(moreEnded > 0 ? [this.moreNodes.of('root')] : []), ...none, ...foreign];
      }
      this.rows.listedRoot('groups');
      const statuses = new Set(records.filter((record) => this.listing.matches(record)).map((record) => record.status));
      return [...jobs, ...GROUP_ORDER.filter((status) => statuses.has(status)).map((status) => this.groups.of(status)), ...none, ...foreign];
    }
    if (element.kind === 'group') {
      const { shown, moreEnded } = this.listing.listed(records.filter((record) => record.status === element.status));
      this.rows.listedGroup(element.status, shown.map((record) => record.name));
      return [...shown.map((record) => this.nodes.of(record.name)), ...(moreEnded > 0 ? [this.moreNodes.of(element.status)] : [])];
    }
    if (element.kind === 'session' || element.kind === 'more' || element.kind === 'noMatch') return [];
    return this.side.children(element);
  }

  getParent(element: SessionNode): SessionNode | undefined {
    if (element.kind === 'more') return element.group === 'root' ? undefined : this.groups.of(element.group);
    if (element.kind === 'group' || element.kind === 'noMatch') return undefined;
    if (element.kind !== 'session') return this.side.parent(element);
    if (!this.grouped) return undefined;
    const record = this.engine.get(element.name);
    return record ? this.groups.of(record.status) : undefined;
  }

  /** Never fails: a row that cannot be built shows its name and state, and the log says why (one bad row must not stop the list). */
  getTreeItem(element: SessionNode): vscode.TreeItem {
    this.redraws.fetched();
    try {
      return this.treeItem(element);
    } catch (error) {
      const name = element.kind === 'session' ? element.name : element.kind;
      this.logger.error(`The Sessions view could not draw the row of ${name}: ${(error as Error).message}`);
      const record = element.kind === 'session' ? this.engine.get(element.name) : undefined;
      if (record) this.rows.drew(record.name, truthOf(record));
      return plainTreeItem(name, element.kind === 'group' || element.kind === 'jobs' || element.kind === 'foreign', record);
    }
  }

  private treeItem(element: SessionNode): vscode.TreeItem {
    if (element.kind === 'group') return groupTreeItem(element.status, this.engine.list().filter((record) => record.status === element.status && this.listing.matches(record)).length);
    if (element.kind === 'more') {
      const records = this.engine.list().reverse();
      const { moreEnded } = this.listing.listed(element.group === 'root' ? records : records.filter((record) => record.status === element.group));
      return moreTreeItem(element, moreEnded);
    }
    if (element.kind === 'noMatch') return noMatchTreeItem(this.filterText);
    if (element.kind !== 'session') return this.side.treeItem(element, Date.now());
    const record = this.engine.get(element.name);
    // Asked for after its session went (a change VS Code had queued).
    if (!record) return removedTreeItem(element.name, this.ids.get(element.name));
    const { item, look } = sessionTreeItem(record, Date.now());
    this.drawn.set(record.name, look);
    this.rows.drew(record.name, truthOf(record));
    this.ids.set(record.name, record.id);
    return item;
  }

  /** Tooltips are built when hovered. */
  resolveTreeItem(item: vscode.TreeItem, element: SessionNode): vscode.TreeItem {
    if (element.kind !== 'session') return item;
    const record = this.engine.get(element.name);
    if (!record) return item;
    let attach: string | undefined;
    try {
      attach = this.engine.terminals.attachCommand(record.name);
    } catch {
      attach = undefined;
    }
    item.tooltip = new vscode.MarkdownString(sessionTooltip(record, Date.now(), attach));
    return item;
  }

  dispose(): void {
    this.redraws.dispose();
    this.changeEmitter.dispose();
    this.listing.dispose();
  }
}
