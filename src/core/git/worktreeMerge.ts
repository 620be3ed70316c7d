/**
 * Bringing a session's work home: committing what the worktree left uncommitted, and merging its
 * branch into its base in the main tree. A conflict leaves the main tree in git's merging state
 * (markers, MERGE_HEAD) for the merge editor; nothing is lost and both branches stay.
 */
import { InstarError } from '../util/errors';
import type { Git } from './git';
import { checkRevision, firstOf, SessionWorktree, uncommittedPaths } from './sessionWorktree';

/** Commits and merges may run the repository's hooks (lint, tests): they get longer than a plain git call. */
export const COMMIT_TIMEOUT_MS = 120_000;

export type MergeKind = 'fast-forward' | 'merge-commit' | 'up-to-date' | 'conflict';

export interface MergeResult {
  kind: MergeKind;
  /** The base's commit after the merge; undefined for a conflict. */
  commit?: string;
  /** The files in conflict, relative to the main tree's top folder. */
  conflicts?: string[];
}

/**
 * Commits everything uncommitted in the worktree (set-up files left out) with the repository's
 * hooks; the new commit, or undefined when there was nothing to commit.
 */
export async function commitAll(git: Git, worktree: SessionWorktree, message: string): Promise<string | undefined> {
  if ((await uncommittedPaths(git, worktree)).length === 0) return undefined;
  const excluded = (worktree.setupFiles ?? []).map((path) => `:(exclude,literal)${path}`);
  await git.run(worktree.path, ['add', '--all', '--', '.', ...excluded]);
  await git.run(worktree.path, ['commit', '--quiet', '--no-edit', '--message', message], { timeoutMs: COMMIT_TIMEOUT_MS });
  return (await git.run(worktree.path, ['rev-parse', 'HEAD'])).trim();
}

/**
 * Merges the worktree's branch into its base in the main tree: a fast-forward when possible,
 * else a merge commit named for the branch. Refuses, touching nothing, while the worktree has
 * uncommitted changes (`worktree-uncommitted`: offer commitAll), when the main tree is not on
 * the base branch or is in the middle of a merge, and when git refuses for the main tree's local
 * changes (`merge-refused`, git's own words).
 */
export async function merge(git: Git, worktree: SessionWorktree): Promise<MergeResult> {
  const main = worktree.repoRoot;
  const base = checkRevision(worktree.base, 'The base');
  const [uncommitted, onBranch, baseIsBranch, mergeUnderWay, before] = await Promise.all([
    uncommittedPaths(git, worktree),
    git.attempt(main, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    git.attempt(main, ['rev-parse', '--quiet', '--verify', `refs/heads/${base}`]),
    git.attempt(main, ['rev-parse', '--quiet', '--verify', 'MERGE_HEAD']),
    git.run(main, ['rev-parse', 'HEAD']),
  ]);
  if (uncommitted.length > 0) {
    throw new InstarError(
      'worktree-uncommitted',
      `The worktree of ${worktree.branch} has uncommitted changes (${firstOf(uncommitted)}): commit them first, then merge.`,
    );
  }
  if (baseIsBranch.exitCode !== 0) {
    throw refused(`${worktree.branch} started from ${base}, which is not a local branch to merge into: merge ${worktree.branch} by hand where it belongs.`);
  }
  const current = onBranch.exitCode === 0 ? onBranch.stdout.trim() : undefined;
  if (current !== base) {
    const where = current ? `on ${current}` : `not on a branch (detached at ${before.trim().slice(0, 12)})`;
    throw refused(`The main tree (${main}) is ${where}, not on ${base}: check out ${base} there (git checkout ${base}), then merge again.`);
  }
  if (mergeUnderWay.exitCode === 0) {
    throw refused(`The main tree (${main}) is in the middle of a merge: conclude it (commit) or abort it (git merge --abort), then merge again.`);
  }
  const args = ['merge', '--ff', '--no-edit', '--message', `Merge branch '${worktree.branch}' into ${base}`, '--', worktree.branch];
  const answer = await git.attempt(main, args, { timeoutMs: COMMIT_TIMEOUT_MS });
  if (answer.exitCode === 0) {
    const [after, tip] = await Promise.all([git.run(main, ['rev-parse', 'HEAD']), git.run(main, ['rev-parse', `refs/heads/${worktree.branch}`])]);
    const kind: MergeKind = after === before ? 'up-to-date' : after === tip ? 'fast-forward' : 'merge-commit';
    return { kind, commit: after.trim() };
  }
  const conflicts = (await git.run(main, ['diff', '--name-only', '--diff-filter=U', '-z'])).split('\0').filter(Boolean);
  const merging = (await git.attempt(main, ['rev-parse', '--quiet', '--verify', 'MERGE_HEAD'])).exitCode === 0;
  if (merging && conflicts.length > 0) return { kind: 'conflict', conflicts };
  throw git.failure(main, args, answer, 'merge-refused');
}

const refused = (message: string): InstarError => new InstarError('merge-refused', message);
