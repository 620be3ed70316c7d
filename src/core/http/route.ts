/** A route of the API: a path pattern, a handler per method, and whether it needs the token. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { unknownNames } from '../util/text';
import { HttpError } from './httpRequest';

export interface HandlerRequest {
  /** The path's one parameter (a session or label name), as `name`. */
  params: Record<string, string>;
  query: URLSearchParams;
  body: () => Promise<Record<string, unknown>>;
  /** Aborts when the client goes away (a wait then stops waiting). */
  signal: AbortSignal;
  req: IncomingMessage;
  res: ServerResponse;
}

/** The status and JSON body to answer, or undefined when the handler answered itself (a stream, a text). */
export type Handler = (request: HandlerRequest) => Promise<[number, unknown] | undefined>;

/** What a method of a route reads: its query parameters and body fields (none when absent). */
export interface Takes {
  query?: readonly string[];
  body?: readonly string[];
}

export interface Route {
  path: RegExp;
  methods: Partial<Record<string, Handler>>;
  auth: boolean;
  /** By method: anything else sent is refused rather than ignored. */
  takes?: Partial<Record<string, Takes>>;
}

/**
 * Refuses a query parameter or body field a route does not read (a 400 naming the ones it
 * takes): ignored, it would leave the caller believing it was heard ("prompt" where "text" is
 * meant, and a resume that drops the follow-up).
 */
export function refuseUnknown(what: 'query parameter' | 'field', given: Iterable<string>, taken: readonly string[] = [], request: string): void {
  const unknown = [...new Set(given)].filter((key) => !taken.includes(key));
  if (unknown.length === 0) return;
  const takes = taken.length > 0 ? `it takes ${taken.join(', ')}` : `it takes no ${what}s`;
  throw new HttpError(400, `${unknownNames(what, unknown)} for ${request}: ${takes}.`);
}
