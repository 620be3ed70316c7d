/**
 * The groups of the Sessions view beside this workspace's sessions: the Jobs group above them, and
 * below them the kept worktrees, the tmux sessions Instar did not start and the other workspaces'
 * live sessions, each shown only when it has something. Holds what each shows, as last given; the
 * rows are built in each group's own file.
 */
import type * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import type { KeptWorktree, OtherSession, SessionEngine, TmuxSessionInfo } from '../../core/sessions/sessionEngine';
import { foreignChildren, ForeignNode, foreignTreeItem } from './foreignNodes';
import { jobChildren, JobNode, jobRoots, jobTreeItem } from './jobNodes';
import { keptChildren, KeptNode, keptTreeItem } from './keptNodes';
import { otherChildren, OtherNode, otherNodeCache, otherParent, OthersShown, otherTreeItem } from './otherNodes';

export type SideNode = JobNode | ForeignNode | KeptNode | OtherNode;

export class SideGroups {
  private scheduler: JobScheduler | undefined;
  /** tmux sessions on the server that Instar did not start, as last listed. */
  private foreign: TmuxSessionInfo[] = [];
  /** Worktrees kept when their sessions were removed, as last read. */
  private kept: KeptWorktree[] = [];
  /** The other workspaces' live sessions on the server, as last listed, and their rows' nodes. */
  private readonly others: OthersShown = { sessions: [], folderOf: () => undefined, node: otherNodeCache() };
  /** One node object per group, so that each can be redrawn alone (VS Code knows a node by its object). */
  readonly jobsNode: JobNode = { kind: 'jobs' };
  readonly foreignNode: ForeignNode = { kind: 'foreign' };
  readonly keptNode: KeptNode = { kind: 'kept' };
  readonly othersNode: OtherNode = { kind: 'others' };

  constructor(private readonly engine: SessionEngine) {}

  /** Shows the jobs of this scheduler in the Jobs group (none without one). */
  setScheduler(scheduler: JobScheduler | undefined): void {
    this.scheduler = scheduler;
  }

  /** Shows these tmux sessions (those Instar did not start) in their group; returns whether what it shows changed. */
  setForeign(sessions: TmuxSessionInfo[]): boolean {
    const before = this.foreign.map((session) => `${session.name}:${session.dead}:${session.attached}`).join();
    this.foreign = sessions.filter((session) => !session.known && this.engine.get(session.name) === undefined);
    return this.foreign.map((session) => `${session.name}:${session.dead}:${session.attached}`).join() !== before;
  }

  /** Shows the other workspaces' live sessions (and, by key, the folder of each) in their group. */
  setOthers(sessions: readonly OtherSession[], folderOf: (key: string) => string | undefined): void {
    this.others.sessions = sessions;
    this.others.folderOf = folderOf;
  }

  /** Shows these kept worktrees in their group; returns whether what it shows changed. */
  setKept(kept: KeptWorktree[]): boolean {
    const key = (list: readonly KeptWorktree[]) => list.map((entry) => `${entry.name}:${entry.worktree.path}`).join();
    const changed = key(kept) !== key(this.kept);
    this.kept = kept;
    return changed;
  }

  /** Which groups are shown, and whether the other workspaces' opens by itself (its id): their part of the list's top. */
  topParts(): string[] {
    const othersId = this.others.sessions.some((session) => session.status === 'waiting') ? 'waiting' : 'quiet';
    return [jobRoots(this.scheduler).length > 0 ? 'jobs' : '', this.foreign.length > 0 ? 'foreign' : '', this.kept.length > 0 ? 'kept' : '', this.others.sessions.length > 0 ? `others-${othersId}` : ''];
  }

  /** The groups listed above the sessions: Jobs, when there are jobs. */
  above(): SideNode[] {
    return jobRoots(this.scheduler).length > 0 ? [this.jobsNode] : [];
  }

  /** The groups listed below the sessions. */
  below(): SideNode[] {
    return [...(this.kept.length > 0 ? [this.keptNode] : []), ...(this.foreign.length > 0 ? [this.foreignNode] : []), ...(this.others.sessions.length > 0 ? [this.othersNode] : [])];
  }

  children(node: SideNode): SideNode[] {
    if (node.kind === 'jobs' && this.scheduler) return jobChildren(this.scheduler);
    if (node.kind === 'foreign') return foreignChildren(this.foreign);
    if (node.kind === 'kept') return keptChildren(this.kept);
    if (node.kind === 'others' || node.kind === 'otherWorkspace') return otherChildren(node, this.others);
    return [];
  }

  parent(node: SideNode): SideNode | undefined {
    if (node.kind === 'job' || node.kind === 'jobProblems') return this.jobsNode;
    if (node.kind === 'tmux') return this.foreignNode;
    if (node.kind === 'keptWorktree') return this.keptNode;
    if (node.kind === 'otherWorkspace' || node.kind === 'otherSession') return otherParent(node, this.othersNode, this.others);
    return undefined;
  }

  treeItem(node: SideNode, now: number): vscode.TreeItem {
    if (node.kind === 'foreign' || node.kind === 'tmux') return foreignTreeItem(node, this.foreign);
    if (node.kind === 'kept' || node.kind === 'keptWorktree') return keptTreeItem(node, this.kept, now);
    if (node.kind === 'others' || node.kind === 'otherWorkspace' || node.kind === 'otherSession') return otherTreeItem(node, this.others);
    const costs = (slug: string) => ({ ofSession: (name: string) => this.engine.get(name)?.usage?.costUsd, today: this.engine.usage.jobCostToday(slug) });
    return jobTreeItem(node, this.scheduler, now, costs);
  }
}
