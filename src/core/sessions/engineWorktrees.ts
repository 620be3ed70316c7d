/**
 * The engine's worktree side, as hosts see it (`engine.worktrees`): the repository a session can
 * get a worktree in, the review of what a worktree session changed, its commit, merge and
 * discard, and the worktrees kept after their sessions were removed. Nothing of a session's work
 * goes without being asked: a live session's worktree is not discarded, and a discard that would
 * lose work names it unless forced.
 */
import type { DiscardLoss, DiscardResult, MergeResult, RepositoryInfo, WorktreeReview } from '../git/worktrees';
import { isEnded } from '../model/sessionRecord';
import { InstarError } from '../util/errors';
import type { KeptWorktree, KeptWorktrees } from './keptWorktrees';
import type { SessionStore } from './sessionStore';
import type { SessionWorktrees } from './sessionWorktrees';

export class EngineWorktrees {
  constructor(
    private readonly store: SessionStore,
    private readonly sessions: SessionWorktrees,
    private readonly keptOnes: KeptWorktrees,
  ) {}

  /** The repository that holds `cwd`, or undefined outside one: where a session can get a worktree. */
  repository(cwd: string): Promise<RepositoryInfo | undefined> {
    return this.sessions.repository(cwd);
  }

  /** Every file a worktree session changed against its base (committed and uncommitted), with the commit to compare with. */
  review(name: string): Promise<WorktreeReview> {
    return this.sessions.review(name);
  }

  /** A file of the session's repository as it was at `commit` (for a diff's left side); undefined where it did not exist. */
  fileAt(name: string, commit: string, file: string): Promise<Buffer | undefined> {
    return this.sessions.show(name, commit, file);
  }

  /** Commits what the session left uncommitted in its worktree (before a merge); the commit, or undefined for nothing. */
  commit(name: string, message?: string): Promise<string | undefined> {
    return this.sessions.commitAll(name, message);
  }

  /** Merges the session's branch into its base in the main tree: fast-forward, a merge commit, or the conflict left to resolve. */
  merge(name: string): Promise<MergeResult> {
    return this.sessions.merge(name);
  }

  /** What discarding the session's worktree would lose: uncommitted files and commits its base does not have. */
  loss(name: string): Promise<DiscardLoss> {
    return this.sessions.lossIfDiscarded(name);
  }

  /** Removes the session's worktree and branch (or a kept one's); refuses, naming what would be lost, unless `force`. */
  async discard(name: string, options: { force?: boolean } = {}): Promise<DiscardResult> {
    const record = this.store.get(name);
    if (record && !isEnded(record)) throw new InstarError('session-live', `Session "${name}" is still ${record.status} in its worktree; kill it before discarding the worktree.`);
    return this.sessions.discard(name, options);
  }

  /** The worktrees kept when their sessions were removed (review, merge, open and discard them by the session's name). */
  kept(): Promise<KeptWorktree[]> {
    return this.keptOnes.list();
  }
}
