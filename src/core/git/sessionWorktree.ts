/**
 * A session's worktree as the session keeps it (plain data, stored with the session record),
 * and the questions about its state that review, merge and discard all ask.
 */
import type { SessionWorktree } from '../model/worktree';
import { invalidInput } from '../util/errors';
import type { Git } from './git';
import { parseStatus, parseWorktreeList, WorktreeEntry } from './gitParse';

export type { SessionWorktree };

/** A ref or commit given by a caller, refused when git would read it as an option or it holds no name. */
export function checkRevision(revision: string, what: string): string {
  if (revision === '' || revision.startsWith('-') || /[\s\0-\x1f\x7f]/.test(revision) || revision.includes(':')) {
    throw invalidInput(`${what} "${revision}" is not a usable ref: give a branch, tag or commit (no spaces, no leading "-").`);
  }
  return revision;
}

export interface WorktreeStatus {
  /** The paths with uncommitted changes (staged, unstaged, untracked; not ignored; a rename as its new path), set-up files left out. */
  uncommitted: string[];
  /** The worktree's HEAD is on no branch (the agent checked out a commit). */
  detached: boolean;
}

export async function worktreeStatus(git: Git, worktree: Pick<SessionWorktree, 'path' | 'setupFiles'>): Promise<WorktreeStatus> {
  const status = parseStatus(await git.run(worktree.path, ['status', '--porcelain=v1', '-z', '--branch', '--untracked-files=all']));
  return { uncommitted: withoutSetupFiles(status.entries.map((entry) => entry.path), worktree), detached: status.detached };
}

export const uncommittedPaths = async (git: Git, worktree: Pick<SessionWorktree, 'path' | 'setupFiles'>): Promise<string[]> => (await worktreeStatus(git, worktree)).uncommitted;

export function withoutSetupFiles(paths: readonly string[], worktree: Pick<SessionWorktree, 'setupFiles'>): string[] {
  if (!worktree.setupFiles?.length) return [...paths];
  const setup = new Set(worktree.setupFiles);
  return paths.filter((path) => !setup.has(path));
}

/**
 * The repository's worktrees, the main tree first. Read without -z (which needs git 2.36): the
 * paths Instar makes hold no line break.
 */
export async function listWorktrees(git: Git, repoRoot: string): Promise<WorktreeEntry[]> {
  return parseWorktreeList(await git.run(repoRoot, ['worktree', 'list', '--porcelain']));
}

/** `base` while it still names a commit (a branch can be deleted or renamed), else the commit it named at creation. */
export async function baseRevision(git: Git, worktree: SessionWorktree): Promise<string> {
  const answer = await git.attempt(worktree.repoRoot, ['rev-parse', '-q', '--verify', `${checkRevision(worktree.base, 'The base')}^{commit}`]);
  return answer.exitCode === 0 ? worktree.base : worktree.baseCommit;
}

/** "a, b, c and 4 more": the first `count` items of a list for a message. */
export function firstOf(items: readonly string[], count = 5): string {
  const shown = items.slice(0, count).join(', ');
  return items.length > count ? `${shown} and ${items.length - count} more` : shown;
}
