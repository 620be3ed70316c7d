/**
 * Reading and answering the API's HTTP requests so that bad input is the client's error (a 4xx
 * that says what is allowed), never the server's: the request target, path parts, a bounded JSON
 * body, and the JSON answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatBytes } from '../sessions/validation';
import type { InstarErrorCode } from '../util/errors';

/** An answer other than 2xx, with the message the client gets as `{"error": message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A request's body as a JSON object, read up to `max` bytes; every way it can be wrong is a 4xx. */
export async function readJsonBody(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const text = await readBody(req, max);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'The body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** A request's body, read up to `max` bytes: 413 over it, 400 when it is cut short or cannot be read. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  // Connection: close, so that the rest of a body too large is not read to keep the connection.
  const tooLarge = () => new HttpError(413, `The body is over ${max} bytes (${formatBytes(max)}).`, { Connection: 'close' });
  if (Number(req.headers['content-length'] ?? 0) > max) throw tooLarge();
  const cutShort = () => new HttpError(400, 'The body was cut short: the client closed the connection.');
  if (req.destroyed) throw cutShort();
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted).off('close', onAborted);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      // Stops reading (no more of it is buffered) and answers 413; the connection then closes.
      // Leaving the loop of a `for await` instead would destroy the socket before the answer.
      req.pause();
      done(tooLarge());
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(new HttpError(400, `The body could not be read: ${error.message}.`));
    const onAborted = () => done(cutShort());
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted).on('close', onAborted);
  });
}

/**
 * The path and query of a request target. Only the origin form (`/path?query`) is taken, and
 * the path as it was sent: not resolved against a base, which would read `//x` as a host name
 * (or throw on `//[`) and fold `/a/../b` into `/b`.
 */
export function parseTarget(target: string): { pathname: string; query: URLSearchParams } {
  if (!target.startsWith('/')) throw new HttpError(400, `The request target must be a path starting with "/", not ${JSON.stringify(shorten(target))}.`);
  const end = target.indexOf('#');
  const withoutFragment = end < 0 ? target : target.slice(0, end);
  const mark = withoutFragment.indexOf('?');
  return mark < 0
    ? { pathname: withoutFragment, query: new URLSearchParams() }
    : { pathname: withoutFragment.slice(0, mark), query: new URLSearchParams(withoutFragment.slice(mark + 1)) };
}

/** Text cut to 80 characters for a message. */
export function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}… (${text.length} characters)` : text;
}

/** A value as a refusal shows it: its JSON, cut short. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? typeof value;
  return json.length > 80 ? `${json.slice(0, 80)}… (${Array.isArray(value) ? `a list of ${value.length}` : typeof value})` : json;
}

/** A path segment, decoded; a malformed %-escape is the client's error, not the server's. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, `The path holds a malformed %-escape: ${JSON.stringify(part.slice(0, 80))}.`);
  }
}


export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The HTTP status of each engine error: the client's fault (4xx) or a missing tool (503). */
export const STATUS_OF_CODE: Record<InstarErrorCode, number> = {
  'invalid-input': 400,
  'not-found': 404,
  'name-taken': 409,
  'session-ended': 409,
  'session-live': 409,
  'tmux-missing': 503,
  'tmux-too-old': 503,
  'tmux-failed': 503,
  'tmux-timeout': 503,
  'server-gone': 503,
  'agent-missing': 503,
  'no-dialog': 409,
  'answer-failed': 409,
  'cannot-resume': 409,
  'over-budget': 409,
  'limit-reached': 429,
  'git-missing': 503,
  'git-timeout': 503,
  'git-failed': 500,
  'not-a-repository': 400,
  'branch-in-use': 409,
  'unknown-ref': 400,
  'setup-failed': 500,
  'worktree-has-work': 409,
  'worktree-uncommitted': 409,
  'merge-refused': 409,
};

