/**
 * Throwing a session's worktree away: what that would lose, and the removal of its folder, its
 * registration in the repository and the branch the session made. Refuses while work would be
 * lost unless forced; safe to repeat, also after the folder was deleted by hand.
 */
import { existsSync } from 'node:fs';
import { InstarError } from '../util/errors';
import type { Git } from './git';
import { LOG_ARGS, LogEntry, parseLog } from './gitParse';
import { baseRevision, firstOf, listWorktrees, SessionWorktree, worktreeStatus } from './sessionWorktree';
import { samePath } from './worktreePaths';

export interface DiscardLoss {
  /** Files with uncommitted changes in the worktree, untracked ones included (ignored and set-up files are not work). */
  uncommitted: string[];
  /** Commits that only the session's branch (or the worktree's detached HEAD) holds: not reachable from the base. Newest first. */
  commits: LogEntry[];
}

export const losesNothing = (loss: DiscardLoss): boolean => loss.uncommitted.length === 0 && loss.commits.length === 0;

export interface DiscardResult {
  /** The worktree's folder and registration were removed now (false: they were gone already). */
  removedWorktree: boolean;
  /** The session's branch was deleted now (false: gone already, not the session's, or checked out elsewhere). */
  deletedBranch: boolean;
}

/**
 * What discarding would lose. A branch the session did not make stays, so its commits are not
 * counted; with the folder gone (deleted by hand) only the branch's commits are left to lose.
 */
export async function lossIfDiscarded(git: Git, worktree: SessionWorktree): Promise<DiscardLoss> {
  const present = existsSync(worktree.path);
  const [status, branchTip, base] = await Promise.all([
    present ? worktreeStatus(git, worktree) : undefined,
    worktree.ownsBranch ? git.attempt(worktree.repoRoot, ['rev-parse', '--quiet', '--verify', `refs/heads/${worktree.branch}`]) : undefined,
    baseRevision(git, worktree),
  ]);
  const heads: string[] = [];
  if (branchTip?.exitCode === 0) heads.push(branchTip.stdout.trim());
  if (status?.detached) heads.push((await git.run(worktree.path, ['rev-parse', 'HEAD'])).trim());
  const commits = heads.length === 0 ? [] : parseLog(await git.run(worktree.repoRoot, ['log', ...LOG_ARGS, ...heads, '--not', base, '--']));
  return { uncommitted: status?.uncommitted ?? [], commits };
}

/**
 * Removes the worktree (`git worktree remove --force`, then prune) and deletes the branch the
 * session made. Without `force` it first refuses with `worktree-has-work` when anything would be
 * lost, naming it.
 */
export async function discard(git: Git, worktree: SessionWorktree, options: { force?: boolean } = {}): Promise<DiscardResult> {
  if (!options.force) {
    const loss = await lossIfDiscarded(git, worktree);
    if (!losesNothing(loss)) throw new InstarError('worktree-has-work', workMessage(worktree, loss));
  }
  const main = worktree.repoRoot;
  const registered = (await listWorktrees(git, main)).some((entry) => samePath(entry.path, worktree.path));
  const removedWorktree = registered && existsSync(worktree.path);
  if (removedWorktree) await git.run(main, ['worktree', 'remove', '--force', worktree.path]);
  await git.run(main, ['worktree', 'prune']);
  let deletedBranch = false;
  if (worktree.ownsBranch) {
    const holder = (await listWorktrees(git, main)).find((entry) => entry.branch === worktree.branch);
    const exists = (await git.attempt(main, ['rev-parse', '--quiet', '--verify', `refs/heads/${worktree.branch}`])).exitCode === 0;
    if (holder) git.logger.info(`kept branch ${worktree.branch}: it is checked out in ${holder.path}`);
    else if (exists) {
      await git.run(main, ['branch', '-D', '--', worktree.branch]);
      deletedBranch = true;
    }
  }
  git.logger.info(`discarded the worktree ${worktree.path}${deletedBranch ? ` and the branch ${worktree.branch}` : ''}`);
  return { removedWorktree, deletedBranch };
}

function workMessage(worktree: SessionWorktree, loss: DiscardLoss): string {
  const parts: string[] = [];
  const files = loss.uncommitted;
  if (files.length > 0) parts.push(`${files.length} uncommitted file${files.length === 1 ? '' : 's'} (${firstOf(files)})`);
  const commits = loss.commits.map((entry) => `${entry.commit.slice(0, 7)} ${entry.subject}`);
  if (commits.length > 0) parts.push(`${commits.length} commit${commits.length === 1 ? '' : 's'} not in ${worktree.base} (${firstOf(commits)})`);
  return `Discarding the worktree ${worktree.path} would lose ${parts.join(' and ')}: merge or commit what you want to keep, or discard it anyway.`;
}
