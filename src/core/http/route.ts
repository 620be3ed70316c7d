/** A route of the API: a path pattern, a handler per method, and whether it needs the token. */
import type { IncomingMessage, ServerResponse } from 'node:http';

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

export interface Route {
  path: RegExp;
  methods: Partial<Record<string, Handler>>;
  auth: boolean;
}
