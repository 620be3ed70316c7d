/**
 * Typed errors of the session engine. Each carries a stable `code` that callers map to
 * their own vocabulary (a VS Code message, an HTTP status), and a message a person can act on.
 */
export type InstarErrorCode =
  | 'invalid-input'
  | 'name-taken'
  | 'not-found'
  | 'session-ended'
  | 'session-live'
  | 'tmux-missing'
  | 'tmux-too-old'
  | 'tmux-failed'
  | 'tmux-timeout'
  | 'server-gone'
  | 'agent-missing'
  /** An answer was sent to a session that shows no dialog. */
  | 'no-dialog'
  /** An answer could not be seen to land on the chosen option (nothing more was sent), or was overridden. */
  | 'answer-failed'
  /** A session without a Claude Code conversation that can be resumed. */
  | 'cannot-resume'
  /** A budget is spent: the session (or any, for the day's) cannot start or go on. */
  | 'over-budget'
  /** A spawn past the workspace's live sessions or its chain depth (agents spawning agents). */
  | 'limit-reached'
  /** The git program cannot be started. */
  | 'git-missing'
  | 'git-timeout'
  /** Git ran and refused or failed; a GitError carries its stderr, exit code and command line. */
  | 'git-failed'
  /** A folder that is not in a git repository with a commit and a work tree. */
  | 'not-a-repository'
  /** The branch is checked out in another worktree. */
  | 'branch-in-use'
  /** A base that names no commit. */
  | 'unknown-ref'
  /** A worktree's set-up command exited non-zero or ran out of time. */
  | 'setup-failed'
  /** Discarding the worktree would lose uncommitted files or unmerged commits. */
  | 'worktree-has-work'
  /** A merge was asked for while the worktree still has uncommitted changes. */
  | 'worktree-uncommitted'
  /** The main tree cannot take the merge as it is (other branch, local changes, a merge under way). */
  | 'merge-refused';

export class InstarError extends Error {
  constructor(
    readonly code: InstarErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InstarError';
  }
}

export function isInstarError(value: unknown, code?: InstarErrorCode): value is InstarError {
  return value instanceof InstarError && (code === undefined || value.code === code);
}

/** The tmux session or its whole server is gone: for kill, remove and output, nothing is left to do there. */
export const isGone = (error: unknown): boolean => isInstarError(error, 'not-found') || isInstarError(error, 'server-gone');

export const invalidInput = (message: string): InstarError => new InstarError('invalid-input', message);
