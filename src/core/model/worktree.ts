/** A session's git worktree, as its record keeps it: plain data (core/git works on it). */

export interface SessionWorktree {
  /** The worktree's folder (a real path): `<root>/<session name>`. */
  path: string;
  /** Its branch, short name: `instar/<session name>` unless the caller chose one. */
  branch: string;
  /** What the session started from, as the user means it: the main tree's branch then, or the base given. */
  base: string;
  /** The commit `base` named at creation; used when `base` no longer names a commit. */
  baseCommit: string;
  /** The top folder of the tree the worktree was made from: merges land there. */
  repoRoot: string;
  /** `create` made the branch, so discarding deletes it; a branch that existed before is left alone. */
  ownsBranch: boolean;
  /**
   * Files that `copySetupFiles` put into the worktree (from `SetupFilesCopied.copied`): they are
   * the main tree's local files, not the session's work, so they are left out of reviews, commits
   * and what discarding would lose.
   */
  setupFiles?: readonly string[];
}

/** What a worktree session changed against its base: files, and lines added and removed (uncommitted and untracked included). */
export interface WorktreeChangeCounts {
  files: number;
  added: number;
  removed: number;
  /** When they were counted. */
  at: number;
}
