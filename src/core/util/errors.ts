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
  /** A session without a Claude Code conversation that can be resumed. */
  | 'cannot-resume';

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
