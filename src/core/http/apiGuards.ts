/**
 * What every listener of the API refuses before it looks at a route, the workspace's own server
 * and the shared front door alike, with the same answers: a Host header that does not name this
 * machine, a request from a web page (an Origin header), a missing or unusable bearer token.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './httpRequest';

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

export const MISSING_TOKEN = 'Missing "Authorization: Bearer <token>" (the token is in .instar/config.json).';
export const WRONG_TOKEN = 'The token is wrong.';

/** Refuses (403) a Host header that does not name this machine and a request from a web page. */
export function refuseForeignRequest(req: IncomingMessage): void {
  if (!LOOPBACK_HOST.test(req.headers.host ?? '')) throw new HttpError(403, 'The Host header must name this machine (127.0.0.1 or localhost).');
  if (req.headers.origin !== undefined) throw new HttpError(403, 'Requests from web pages are refused.');
}

/** The token of an `Authorization: Bearer <token>` header, or undefined where there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return match ? match[1].trim() : undefined;
}

/** The SHA-256 of a token: what is compared (in constant time) and what the door's registry keeps. */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
