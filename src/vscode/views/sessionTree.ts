/**
 * The Sessions view: the Jobs group (when there are jobs), then the sessions, flat or grouped by
 * state. Elements are plain records; getTreeItem builds the TreeItems from the pure presentation
 * functions. It redraws when told to (`refresh`), one redraw at a time (redrawQueue); the refresh
 * controller decides when.
 */
import * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import type { SessionRecord, SessionStatus } from '../../core/model/sessionRecord';
import type { Logger } from '../../core/util/host';
import { GROUP_ORDER, sessionTooltip, STATUS_LOOKS } from '../../core/presentation/sessionPresentation';
import type { KeptWorktree, OtherSession, SessionEngine, TmuxSessionInfo } from '../../core/sessions/sessionEngine';
import { foreignChildren, ForeignNode, foreignTreeItem } from './foreignNodes';
import { otherChildren, OtherNode, otherNodeCache, otherParent, OthersShown, otherTreeItem } from './otherNodes';
import { keptChildren, KeptNode, keptTreeItem } from './keptNodes';
import { DrawnRows, RowProblem } from './drawnRows';
import { jobChildren, JobNode, jobRoots, jobTreeItem } from './jobNodes';
import { ListingChoice } from './listingChoice';
import { RedrawQueue } from './redrawQueue';
import { groupTreeItem, lookNow, MoreNode, moreTreeItem, noMatchTreeItem, sessionTreeItem, stateOfTruth, truthOf } from './sessionNodes';

export type SessionNode = { kind: 'group'; status: SessionStatus } | { kind: 'session'; name: string } | MoreNode | { kind: 'noMatch' } | JobNode | ForeignNode | KeptNode | OtherNode;

const GROUPED_KEY = 'instar.groupByState';
/** How long a row may disagree with the engine before it is redrawn (and the log says so). */
export const STALE_ROW_MS = 1000;
/** A row that stays wrong is logged again at most this often. */
const RELOG_MS = 30_000;

export class SessionTreeProvider implements vscode.TreeDataProvider<SessionNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<SessionNode | SessionNode[] | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private grouped: boolean;
  private scheduler: JobScheduler | undefined;
  /** tmux sessions on the server that Instar did not start, as last listed. */
  private foreign: TmuxSessionInfo[] = [];
  /** Worktrees kept when their sessions were removed, as last read. */
  private kept: KeptWorktree[] = [];
  /** One node object per session, group and top-level group, so that each can be redrawn alone (VS Code knows a node by its object). */
  private readonly nodes = new Map<string, SessionNode & { kind: 'session' }>();
  private readonly groups = new Map<SessionStatus, SessionNode & { kind: 'group' }>();
  private readonly jobsNode: JobNode = { kind: 'jobs' };
  private readonly foreignNode: ForeignNode = { kind: 'foreign' };
  private readonly keptNode: KeptNode = { kind: 'kept' };
  private readonly othersNode: OtherNode = { kind: 'others' };
  private readonly moreNodes = new Map<MoreNode['group'], MoreNode>();
  private readonly noMatchNode: SessionNode = { kind: 'noMatch' };
  /** What the list shows: the filter's sessions, the live ones and a page of the ended ones. */
  private readonly listing: ListingChoice;
  /** The filter changed (the view's description says it). */
  readonly onDidChangeFilter: vscode.Event<void>;
  /** The other workspaces' live sessions on the server, as last listed, and their rows' nodes. */
  private readonly others: OthersShown = { sessions: [], folderOf: () => undefined, node: otherNodeCache() };
  /** The top of the list as last listed (which groups, or a flat list; Jobs and the other tmux sessions or not). */
  private listedTop = '';
  /** The sessions of the flat list as last listed, in order. */
  private listedFlat = '';
  /** Redraws asked of VS Code one at a time, those asked for meanwhile merged. */
  private readonly redraws = new RedrawQueue<SessionNode>((parts) => this.changeEmitter.fire(parts));
  /** What each session's row was last drawn with (see look). */
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

  private listed(records: readonly SessionRecord[]): { shown: SessionRecord[]; moreEnded: number } {
    return this.listing.listed(records);
  }

  /** What the flat list shows of `records` (in their order), as one text to compare. */
  private flatNames(records: readonly SessionRecord[]): string {
    const { shown, moreEnded } = this.listed(records);
    return flatText(shown, moreEnded);
  }

  private moreNode(group: MoreNode['group']): MoreNode {
    let node = this.moreNodes.get(group);
    if (!node) {
      node = { kind: 'more', group };
      this.moreNodes.set(group, node);
    }
    return node;
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
    if (this.foreign.map((session) => `${session.name}:${session.dead}:${session.attached}`).join() !== before) this.redrawPart(this.foreignNode);
  }

  /** Shows the other workspaces' live sessions (and, by key, the folder of each) in their group. */
  setOthers(sessions: readonly OtherSession[], folderOf: (key: string) => string | undefined): void {
    this.others.sessions = sessions;
    this.others.folderOf = folderOf;
    // The group coming, going, or opening by itself while someone waits (its id) changes the top: the whole list is redrawn.
    this.redrawPart(this.othersNode);
  }

  private get othersId(): string {
    return this.others.sessions.some((session) => session.status === 'waiting') ? 'waiting' : 'quiet';
  }

  /** Shows these kept worktrees in their group. */
  setKept(kept: KeptWorktree[]): void {
    const key = (list: readonly KeptWorktree[]) => list.map((entry) => `${entry.name}:${entry.worktree.path}`).join();
    const changed = key(kept) !== key(this.kept);
    this.kept = kept;
    if (changed) this.redrawPart(this.keptNode);
  }

  /** Redraws the Jobs group (its jobs and their runs' states). */
  refreshJobs(): void {
    this.redrawPart(this.jobsNode);
  }

  /** Redraws one part of the list (a group and what is in it), or the whole list when its top changed (a group came or went). */
  private redrawPart(node: SessionNode): void {
    if (this.top() !== this.listedTop) this.refresh();
    else this.redraws.redraw([node]);
  }

  /** What the top of the list is now (see listedTop). */
  private top(): string {
    const parts = [jobRoots(this.scheduler).length > 0 ? 'jobs' : '', this.foreign.length > 0 ? 'foreign' : '', this.kept.length > 0 ? 'kept' : '', this.others.sessions.length > 0 ? `others-${this.othersId}` : ''];
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
      if (parent !== undefined && parent !== 'root') parts.add(this.groupNode(parent as SessionStatus));
      this.forget(name);
    }
    // Flat, with a filter a change can take a session into the list or out of it, and past a page of
    // ended sessions an ending can move one out of the page: listed again where it did. (Grouped, a
    // change of state is a move between groups, redrawn below.)
    const relisted = !this.grouped && changed.length > 0 && (this.listing.filtered || this.listing.paged(this.engine.list())) && this.flatNames(this.engine.list().reverse()) !== this.listedFlat;
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
        if (parent !== undefined && parent !== 'root') parts.add(this.groupNode(parent as SessionStatus));
        parts.add(this.groupNode(record.status));
        continue;
      }
      // A change that shows nowhere in the row (how far its transcript was read, an event's time) is
      // not redrawn: a row redrawn under the pointer can lose a click, and each redraw costs both sides.
      if (this.drawn.get(name) !== this.look(record, Date.now())) rows.push(name);
    }
    // Only rows VS Code has (listed): one it does not know is never fetched, and the next redraw would wait for it.
    const alone = rows.filter((name) => this.nodes.has(name) && this.rows.parentOf(name) !== undefined).map((name) => this.nodes.get(name)!);
    if (parts.size > 0 || alone.length > 0) this.redraws.redraw([...parts, ...alone]);
  }

  private groupNode(status: SessionStatus): SessionNode & { kind: 'group' } {
    let node = this.groups.get(status);
    if (!node) {
      node = { kind: 'group', status };
      this.groups.set(status, node);
    }
    return node;
  }

  /**
   * What a session's row shows, and the tooltip's parts that change apart from it (the detail, the
   * last answer): any change of these is a redraw. Tokens that grow under an unchanged cost wait
   * for the next one.
   */
  private look(record: SessionRecord, now: number): string {
    return lookNow(record, now);
  }

  /** Redraws the rows whose description reads differently now (an age ticked over); returns how many. */
  redrawStale(): number {
    const now = Date.now();
    const stale: SessionNode[] = [];
    for (const [name, node] of this.nodes) {
      const record = this.engine.get(name);
      const shown = this.drawn.get(name);
      if (!record || shown === undefined || shown === this.look(record, now)) continue;
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

  private sessionNode(name: string): SessionNode {
    let node = this.nodes.get(name);
    if (!node) {
      node = { kind: 'session', name };
      this.nodes.set(name, node);
    }
    return node;
  }

  getChildren(element?: SessionNode): SessionNode[] {
    this.redraws.fetched();
    const records = this.engine.list().reverse();
    if (!element) {
      const jobs = jobRoots(this.scheduler).length > 0 ? [this.jobsNode] : [];
      const foreign = [...(this.kept.length > 0 ? [this.keptNode] : []), ...(this.foreign.length > 0 ? [this.foreignNode] : []), ...(this.others.sessions.length > 0 ? [this.othersNode] : [])];
      this.listedTop = this.top();
      // A filter that keeps nothing says so (the welcome view would say there are no sessions at all).
      const none = this.listing.filtered && !records.some((record) => this.listing.matches(record)) ? [this.noMatchNode] : [];
      if (!this.grouped) {
        const { shown, moreEnded } = this.listed(records);
        this.rows.listedRoot(shown.map((record) => record.name));
        this.listedFlat = flatText(shown, moreEnded);
        return [...jobs, ...shown.map((record) => this.sessionNode(record.name)), ...(moreEnded > 0 ? [this.moreNode('root')] : []), ...none, ...foreign];
      }
      this.rows.listedRoot('groups');
      const statuses = new Set(records.filter((record) => this.listing.matches(record)).map((record) => record.status));
      return [...jobs, ...GROUP_ORDER.filter((status) => statuses.has(status)).map((status) => this.groupNode(status)), ...none, ...foreign];
    }
    if (element.kind === 'group') {
      const { shown, moreEnded } = this.listed(records.filter((record) => record.status === element.status));
      this.rows.listedGroup(element.status, shown.map((record) => record.name));
      return [...shown.map((record) => this.sessionNode(record.name)), ...(moreEnded > 0 ? [this.moreNode(element.status)] : [])];
    }
    if (element.kind === 'jobs' && this.scheduler) return jobChildren(this.scheduler);
    if (element.kind === 'foreign') return foreignChildren(this.foreign);
    if (element.kind === 'kept') return keptChildren(this.kept);
    if (element.kind === 'others' || element.kind === 'otherWorkspace') return otherChildren(element, this.others);
    return [];
  }

  getParent(element: SessionNode): SessionNode | undefined {
    if (element.kind === 'job' || element.kind === 'jobProblems') return this.jobsNode;
    if (element.kind === 'tmux') return this.foreignNode;
    if (element.kind === 'keptWorktree') return this.keptNode;
    if (element.kind === 'otherWorkspace' || element.kind === 'otherSession') return otherParent(element, this.othersNode, this.others);
    if (element.kind === 'more') return element.group === 'root' ? undefined : this.groupNode(element.group);
    if (element.kind !== 'session' || !this.grouped) return undefined;
    const record = this.engine.get(element.name);
    return record ? this.groupNode(record.status) : undefined;
  }

  /** Never fails: a row that cannot be built shows its name and state, and the log says why (one bad row must not stop the list). */
  getTreeItem(element: SessionNode): vscode.TreeItem {
    this.redraws.fetched();
    try {
      return this.treeItem(element);
    } catch (error) {
      const name = element.kind === 'session' ? element.name : element.kind;
      this.logger.error(`The Sessions view could not draw the row of ${name}: ${(error as Error).message}`);
      const item = new vscode.TreeItem(name, element.kind === 'group' || element.kind === 'jobs' || element.kind === 'foreign' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      const record = element.kind === 'session' ? this.engine.get(element.name) : undefined;
      if (record) {
        item.id = `session:${record.name}:${record.id}`;
        item.description = STATUS_LOOKS[record.status].label;
        this.rows.drew(record.name, truthOf(record));
      }
      return item;
    }
  }

  private treeItem(element: SessionNode): vscode.TreeItem {
    if (element.kind === 'group') return groupTreeItem(element.status, this.engine.list().filter((record) => record.status === element.status && this.listing.matches(record)).length);
    if (element.kind === 'more') {
      const records = this.engine.list().reverse();
      const { moreEnded } = this.listed(element.group === 'root' ? records : records.filter((record) => record.status === element.group));
      return moreTreeItem(element, moreEnded);
    }
    if (element.kind === 'noMatch') return noMatchTreeItem(this.filterText);
    if (element.kind === 'foreign' || element.kind === 'tmux') return foreignTreeItem(element, this.foreign);
    if (element.kind === 'kept' || element.kind === 'keptWorktree') return keptTreeItem(element, this.kept, Date.now());
    if (element.kind === 'others' || element.kind === 'otherWorkspace' || element.kind === 'otherSession') return otherTreeItem(element, this.others);
    if (element.kind !== 'session') {
      const costs = (slug: string) => ({ ofSession: (name: string) => this.engine.get(name)?.usage?.costUsd, today: this.engine.usage.jobCostToday(slug) });
      return jobTreeItem(element, this.scheduler, Date.now(), costs);
    }
    const record = this.engine.get(element.name);
    if (!record) {
      // Asked for after its session went (a change VS Code had queued): the same id, so that VS Code's row is the one replaced.
      const item = new vscode.TreeItem(element.name, vscode.TreeItemCollapsibleState.None);
      const id = this.ids.get(element.name);
      if (id) item.id = `session:${element.name}:${id}`;
      item.description = 'removed';
      return item;
    }
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

/** The names a flat list shows, in order, and how many ended ones it leaves out. */
function flatText(shown: readonly SessionRecord[], moreEnded: number): string {
  return `${shown.map((record) => record.name).join('\n')}\n${moreEnded}`;
}
