/**
 * The Jobs group of the Sessions view: the group, one node per job of `.instar/jobs.json`, and
 * a node listing the file's problems. Nodes are plain records; the scheduler holds the state.
 */
import * as vscode from 'vscode';
import type { JobScheduler } from '../../core/jobs/jobScheduler';
import { JobCosts, jobLook } from '../../core/presentation/jobPresentation';

export type JobNode = { kind: 'jobs' } | { kind: 'job'; slug: string } | { kind: 'jobProblems' };

/** The Jobs group, when there are jobs or problems to show. */
export function jobRoots(scheduler: JobScheduler | undefined): JobNode[] {
  return scheduler && (scheduler.list().length > 0 || scheduler.problems.length > 0) ? [{ kind: 'jobs' }] : [];
}

/** The jobs, then the problems node when the file has problems. */
export function jobChildren(scheduler: JobScheduler): JobNode[] {
  const jobs: JobNode[] = scheduler.list().map((state) => ({ kind: 'job', slug: state.definition.slug }));
  return scheduler.problems.length > 0 ? [...jobs, { kind: 'jobProblems' }] : jobs;
}

export function jobTreeItem(node: JobNode, scheduler: JobScheduler | undefined, now: number, costs?: (slug: string) => JobCosts): vscode.TreeItem {
  if (node.kind === 'jobs') {
    const item = new vscode.TreeItem('Jobs', vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'jobs';
    item.iconPath = new vscode.ThemeIcon('calendar');
    item.description = `${scheduler?.list().length ?? 0} in .instar/jobs.json${scheduler && !scheduler.isRunning ? ' · run by another window' : ''}`;
    item.contextValue = 'instar.jobs';
    return item;
  }
  if (node.kind === 'jobProblems') {
    const problems = scheduler?.problems ?? [];
    const item = new vscode.TreeItem(`jobs.json: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, vscode.TreeItemCollapsibleState.None);
    item.id = 'jobs:problems';
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.tooltip = problems.join('\n');
    return item;
  }
  const state = scheduler?.get(node.slug);
  if (!state) return new vscode.TreeItem(node.slug);
  const look = jobLook(state, now, scheduler?.isRunning ?? false, costs?.(node.slug));
  const item = new vscode.TreeItem(state.definition.name, vscode.TreeItemCollapsibleState.None);
  item.id = `job:${node.slug}`;
  item.description = look.description;
  item.tooltip = new vscode.MarkdownString(look.tooltip);
  item.iconPath = new vscode.ThemeIcon(state.enabled ? 'watch' : 'circle-slash');
  item.contextValue = `instar.job.${state.enabled ? 'enabled' : 'disabled'}`;
  return item;
}
