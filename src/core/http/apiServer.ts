/**
 * The local HTTP API, compatible with Instar's: scripts and the agents themselves spawn and
 * steer sessions through it. Loopback only; a bearer token compared in constant time; requests
 * from browsers (an Origin header) and from non-loopback Host names refused; bodies bounded;
 * a per-client rate limit. Errors are JSON `{"error": message}`.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { workspaceFolders } from '../lead/workspaceDirectory';
import { InstarError } from '../util/errors';
import type { Logger } from '../util/host';
import type { SessionEngine, SessionResult } from '../sessions/sessionEngine';
import { MAX_INPUT_BYTES } from '../sessions/sessionInput';
import { describeNameProblem, MAX_PROMPT_BYTES } from '../sessions/validation';
import { CALLER_HEADER } from './instarConfig';
import { bearerToken, MISSING_TOKEN, refuseForeignRequest, tokenDigest, WRONG_TOKEN } from './apiGuards';
import { decodePathPart, describeValue, HttpError, parseTarget, readJsonBody, send, shorten, STATUS_OF_CODE } from './httpRequest';
import { countByStatus, isEnded, SESSION_STATUSES } from '../model/sessionRecord';
import { ApiSession, toApiSession, withDialog } from './apiSession';
import { spawnBatch } from './batchSpawn';
import { streamEvents } from './eventStream';
import { parseWaitQuery, WAIT_QUERY, waitForLabel, waitForSession } from './sessionWaits';
import { BATCH_FIELDS, SPAWN_FIELDS, SpawnFolders, spawnRequestOf } from './spawnBody';
import { Handler, HandlerRequest, refuseUnknown, Route, Takes } from './route';
import { usageRoutes } from './usageRoutes';
import { worktreeRoutes } from './worktreeRoutes';

export { toApiSession, type ApiSession } from './apiSession';

export interface ApiServerOptions {
  port: number;
  token: string;
  /** Where spawned sessions run (the workspace folder). */
  cwd: string;
  version: string;
  logger: Logger;
  /** Every folder of the workspace (a multi-root workspace's): a spawn's cwd may name any, or a folder inside one (default: cwd alone). */
  folders?: readonly string[];
  /** The folders of the workspaces noted on this machine, by key (for the other workspaces' sessions; default: the machine's notes). */
  workspaceFolders?: () => Promise<ReadonlyMap<string, string>>;
  /** Requests a client may make per minute (a token bucket). */
  requestsPerMinute?: number;
  /** The largest request body read (MAX_BODY_BYTES unless set). */
  maxBodyBytes?: number;
}

/**
 * The largest body read: a prompt or input at its limit must fit however a client escapes it.
 * JSON can write any character as `\uXXXX`, 6 bytes for a 1-byte UTF-8 character (a control
 * character is always written so), and never more than 6 per UTF-8 byte; the other fields (a
 * name and job slug of 64 characters, a model id of 128, a number, a boolean) fit, escaped
 * alike, in the 64 KiB added. A prompt one byte over its limit is then still read, and refused
 * by the prompt's own check (400 naming the limit), not as a body too large (413).
 */
export const MAX_BODY_BYTES = 6 * Math.max(MAX_PROMPT_BYTES, MAX_INPUT_BYTES) + 64 * 1024;

/** The keys POST …/keys takes, as its refusals name them. */
const KEYS_RULE =
  '1 to 100 key names, such as ["Escape"], ["1"] or ["C-c"]: a single printable character, Enter, Escape, Tab, BTab, BSpace, Space, Up, Down, Left, Right, Home, End, PageUp, PageDown, F1–F12, or C-/M-/S- with a letter or digit';

/** Event streams open at once, at most. */
const MAX_STREAMS = 64;

/**
 * The APIs this process serves, by port: the front door, when this process holds it, hands a
 * request for one of them to its handler at once, not through a second connection.
 */
const IN_PROCESS = new Map<number, (req: IncomingMessage, res: ServerResponse) => void>();

/** The handler of the API this process serves on `port`, if it serves one there. */
export function inProcessApi(port: number): ((req: IncomingMessage, res: ServerResponse) => void) | undefined {
  return IN_PROCESS.get(port);
}

export class ApiServer {
  private server: Server | undefined;
  private token: Buffer;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly routes: Route[];
  private streams = 0;

  constructor(
    private readonly engine: SessionEngine,
    private readonly options: ApiServerOptions,
  ) {
    this.token = tokenDigest(options.token);
    this.routes = [
      { path: /^\/health$/, auth: false, methods: { GET: async () => [200, this.health()] } },
      { path: /^\/sessions$/, auth: true, takes: { GET: { query: ['status', 'label'] } }, methods: { GET: async ({ query }) => [200, this.list(query.get('status'), query.get('label'))] } },
      { path: /^\/sessions\/spawn$/, auth: true, takes: { POST: { body: SPAWN_FIELDS } }, methods: { POST: async ({ body, req }) => [201, toApiSession(await this.engine.spawn({ ...spawnRequestOf(await body(), this.place()), parent: callerOf(req) }))] } },
      { path: /^\/sessions\/batch$/, auth: true, takes: { POST: { body: BATCH_FIELDS } }, methods: { POST: async ({ body, req }) => spawnBatch(this.engine, await body(), this.place(), callerOf(req)) } },
      { path: /^\/events$/, auth: true, takes: { GET: { query: ['name', 'label'] } }, methods: { GET: async (request) => this.events(request) } },
      {
        path: /^\/labels\/([^/]+)\/wait$/,
        auth: true,
        takes: { GET: { query: WAIT_QUERY } },
        methods: { GET: async ({ params, query, signal }) => waitForLabel(this.engine, params.name, parseWaitQuery(query), signal) },
      },
      {
        path: /^\/sessions\/([^/]+)\/result$/,
        auth: true,
        methods: { GET: async ({ params }) => [200, apiResult(await this.engine.result(params.name))] },
      },
      {
        path: /^\/sessions\/([^/]+)\/wait$/,
        auth: true,
        takes: { GET: { query: WAIT_QUERY } },
        methods: { GET: async ({ params, query, signal }) => waitForSession(this.engine, params.name, parseWaitQuery(query), signal) },
      },
      { path: /^\/sessions\/tmux$/, auth: true, methods: { GET: async () => [200, { sessions: await this.engine.listTmuxSessions() }] } },
      { path: /^\/workspaces$/, auth: true, methods: { GET: async () => [200, await this.workspaces()] } },
      {
        path: /^\/sessions\/([^/]+)\/output$/,
        auth: true,
        takes: { GET: { query: ['lines'] } },
        methods: { GET: async ({ params, query }) => [200, { session: params.name, output: await this.engine.output(params.name, { lines: query.get('lines') ?? undefined }) }] },
      },
      {
        path: /^\/sessions\/([^/]+)\/input$/,
        auth: true,
        takes: { POST: { body: ['text', 'resume'] } },
        methods: {
          POST: async ({ params, body }) => {
            const { text, resume } = await body();
            if (typeof text !== 'string') throw new HttpError(400, 'The body needs "text", a string.');
            if (resume !== undefined && typeof resume !== 'boolean') throw new HttpError(400, '"resume" must be true or false.');
            // With "resume": true, an ended session is resumed first and the text is its follow-up.
            const record = this.engine.require(params.name);
            // When it was sent: a wait with since= this time is answered by the turn it starts, not the state before it.
            const sentAt = new Date().toISOString();
            if (resume === true && isEnded(record)) {
              await this.engine.resume(params.name, text);
              return [200, { ok: true, resumed: true, sentAt }];
            }
            await this.engine.sendInput(params.name, text);
            return [200, { ok: true, sentAt }];
          },
        },
      },
      {
        path: /^\/sessions\/([^/]+)\/resume$/,
        auth: true,
        takes: { POST: { body: ['text'] } },
        methods: {
          POST: async ({ params, body }) => {
            const { text } = await body();
            if (text !== undefined && text !== null && typeof text !== 'string') throw new HttpError(400, '"text" must be a string.');
            return [200, toApiSession(await this.engine.resume(params.name, (text as string | null | undefined) ?? undefined))];
          },
        },
      },
      {
        path: /^\/sessions\/([^/]+)\/dialog$/,
        auth: true,
        methods: { GET: async ({ params }) => [200, { session: params.name, dialog: (await this.engine.dialog(params.name)) ?? null }] },
      },
      {
        path: /^\/sessions\/([^/]+)\/answer$/,
        auth: true,
        takes: { POST: { body: ['option'] } },
        methods: {
          POST: async ({ params, body }) => {
            const { option } = await body();
            if (typeof option !== 'string') throw new HttpError(400, 'The body needs "option", the label of the option to choose (GET …/dialog lists them).');
            return [200, { ok: true, ...(await this.engine.answer(params.name, option)) }];
          },
        },
      },
      {
        path: /^\/sessions\/([^/]+)\/keys$/,
        auth: true,
        takes: { POST: { body: ['keys'] } },
        methods: {
          POST: async ({ params, body }) => {
            const { keys } = await body();
            if (!Array.isArray(keys) || keys.length === 0 || keys.length > 100 || keys.some((key) => typeof key !== 'string')) {
              throw new HttpError(400, `The body needs "keys", a list of ${KEYS_RULE}; got ${describeValue(keys)}. To type text, POST …/input instead.`);
            }
            await this.engine.sendKeys(params.name, keys as string[]);
            return [200, { ok: true }];
          },
        },
      },
      {
        path: /^\/sessions\/([^/]+)$/,
        auth: true,
        takes: { DELETE: { query: ['worktree', 'force'] } },
        methods: {
          GET: async ({ params }) => [200, await withDialog(this.engine, this.engine.require(params.name))],
          DELETE: async ({ params, query }) => {
            // A live session is killed (its record stays, as killed); an ended one is removed, its worktree kept unless asked.
            const record = this.engine.require(params.name);
            const worktree = query.get('worktree') ?? 'keep';
            if (worktree !== 'keep' && worktree !== 'discard') throw new HttpError(400, `worktree= must be keep (the default) or discard, not ${JSON.stringify(worktree)}.`);
            if (isEnded(record)) await this.engine.remove(params.name, { discardWorktree: worktree === 'discard', force: query.get('force') === 'true' });
            else await this.engine.kill(params.name);
            return [200, { ok: true }];
          },
        },
      },
      ...usageRoutes(this.engine),
      ...worktreeRoutes(this.engine),
    ];
  }

  /** Every route and method with what it takes (for the table-driven test of refusals). */
  get routeTable(): { path: RegExp; method: string; takes: Takes }[] {
    return this.routes.flatMap((route) => Object.keys(route.methods).map((method) => ({ path: route.path, method, takes: route.takes?.[method] ?? {} })));
  }

  /** Listens on 127.0.0.1; resolves with the port, or rejects with a readable error. */
  start(): Promise<number> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = createServer(handler);
    this.server = server;
    server.once('listening', () => IN_PROCESS.set((server.address() as AddressInfo).port, handler));
    server.once('close', () => {
      for (const [port, held] of IN_PROCESS) if (held === handler) IN_PROCESS.delete(port);
    });
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        this.server = undefined;
        // The code stays on the error: a host says in its own words what to do about a port taken.
        reject(
          error.code === 'EADDRINUSE'
            ? Object.assign(new Error(`Port ${this.options.port} on 127.0.0.1 is already in use: choose another port in instar.api.port, or stop what is using it.`), { code: 'EADDRINUSE' })
            : error,
        );
      });
      server.listen(this.options.port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  setToken(token: string): void {
    this.token = tokenDigest(token);
  }

  private place(): SpawnFolders {
    return { cwd: this.options.cwd, folders: this.options.folders, defaultAgent: this.engine.defaultAgent };
  }

  /**
   * This workspace and the others whose sessions run on its tmux server (read-only: their live
   * sessions with state and cost as each one's leader publishes them, those waiting first).
   */
  private async workspaces(): Promise<unknown> {
    const folders = await (this.options.workspaceFolders ?? workspaceFolders)().catch(() => new Map<string, string>());
    const others = new Map<string, { key: string; folder: string | null; sessions: unknown[] }>();
    for (const session of this.engine.others.list) {
      const entry = others.get(session.workspaceKey) ?? { key: session.workspaceKey, folder: folders.get(session.workspaceKey) ?? null, sessions: [] };
      entry.sessions.push({ name: session.name, status: session.status ?? null, costUsd: session.costUsd ?? null, attached: session.attached, tmuxSession: session.tmuxSession });
      others.set(session.workspaceKey, entry);
    }
    const live = this.engine.list().filter((record) => !isEnded(record)).length;
    return { workspace: { key: this.engine.workspaceKey, folder: this.options.cwd, live }, others: [...others.values()] };
  }

  private health(): Record<string, unknown> {
    const records = this.engine.list();
    // Only the statuses some session has, as before: { total, idle: 2, running: 1 }.
    const counts = Object.fromEntries(Object.entries(countByStatus(records)).filter(([, count]) => count > 0));
    return { status: 'ok', version: this.options.version, sessions: { total: records.length, ...counts } };
  }

  private list(status: string | null, label: string | null): ApiSession[] {
    if (status !== null && !(SESSION_STATUSES as readonly string[]).includes(status)) {
      throw new HttpError(400, `Unknown status ${JSON.stringify(status)}: use one of ${SESSION_STATUSES.join(', ')}.`);
    }
    return this.engine
      .list()
      .filter((record) => (status === null || record.status === status) && (label === null || record.batch === label))
      .map(toApiSession);
  }

  private async events({ req, res, query }: HandlerRequest): Promise<undefined> {
    if (this.streams >= MAX_STREAMS) throw new HttpError(503, `Too many event streams: at most ${MAX_STREAMS} at once. Close one and try again.`, { 'Retry-After': '5' });
    this.streams += 1;
    streamEvents(req, res, this.engine, { name: query.get('name') ?? undefined, label: query.get('label') ?? undefined }, () => (this.streams -= 1));
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const answer = await this.route(req, res);
      if (answer) send(res, answer[0], answer[1]);
    } catch (error) {
      const [status, body] = this.failure(error, `${req.method} ${req.url}`);
      send(res, status, body, error instanceof HttpError ? error.headers : undefined);
    }
  }

  /** What a failed request answers: a refusal's status and words, or a 500 that is logged. */
  private failure(error: unknown, request: string): [number, { error: string }] {
    if (error instanceof HttpError) return [error.status, { error: error.message }];
    if (error instanceof InstarError) return [STATUS_OF_CODE[error.code] ?? 500, { error: error.message }];
    this.options.logger.error(`API ${request}: ${(error as Error).message}`);
    return [500, { error: 'Internal error; see the Instar Sessions log.' }];
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<[number, unknown] | undefined> {
    refuseForeignRequest(req);
    this.limit(req.socket.remoteAddress ?? 'unknown');
    const url = parseTarget(req.url ?? '/');
    const method = req.method ?? 'GET';
    const { route, handler, params } = this.find(method, url.pathname);
    if (route.auth) this.authorize(req.headers.authorization);
    const takes = route.takes?.[method] ?? {};
    const request = `${method} ${shorten(url.pathname)}`;
    refuseUnknown('query parameter', url.query.keys(), takes.query, request);
    // Aborts when the client goes away: a wait then ends at once, and its listener with it.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const body = async () => {
      const parsed = await readJsonBody(req, this.options.maxBodyBytes ?? MAX_BODY_BYTES);
      refuseUnknown('field', Object.keys(parsed), takes.body, request);
      return parsed;
    };
    return handler({ params, query: url.query, body, signal: gone.signal, req, res });
  }

  /** The first route that matches and takes the method: POST /sessions/batch, and GET of a session named "batch". */
  private find(method: string, pathname: string): { route: Route; handler: Handler; params: Record<string, string> } {
    const matching = this.routes.map((route) => ({ route, match: route.path.exec(pathname) })).filter(({ match }) => match !== null);
    if (matching.length === 0) throw new HttpError(404, `No route ${method} ${shorten(pathname)}.`);
    const found = matching.find(({ route }) => route.methods[method] !== undefined);
    if (!found) {
      const allowed = [...new Set(matching.flatMap(({ route }) => Object.keys(route.methods)))].join(', ');
      throw new HttpError(405, `${method} is not allowed here; use ${allowed}.`, { Allow: allowed });
    }
    const { route, match } = found;
    return { route, handler: route.methods[method]!, params: match![1] === undefined ? {} : { name: decodePathPart(match![1]) } };
  }

  /**
   * A request made in this process (VS Code's chat tools), through the same routes, checks and
   * error texts as over HTTP, without a connection: no token (the caller is this host), no
   * rate limit; the body is the parsed JSON. The event stream is not for it. Resolves with the
   * status and body, errors included, as a client gets them.
   */
  async dispatch(method: string, target: string, body?: unknown, signal: AbortSignal = new AbortController().signal): Promise<[number, unknown]> {
    try {
      const url = parseTarget(target);
      if (url.pathname === '/events') throw new HttpError(400, 'The event stream is served over HTTP only.');
      const { route, handler, params } = this.find(method, url.pathname);
      const takes = route.takes?.[method] ?? {};
      const request = `${method} ${shorten(url.pathname)}`;
      refuseUnknown('query parameter', url.query.keys(), takes.query, request);
      const read = async () => {
        if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw new HttpError(400, 'The body must be a JSON object.');
        refuseUnknown('field', Object.keys(body ?? {}), takes.body, request);
        return (body ?? {}) as Record<string, unknown>;
      };
      return (await handler({ params, query: url.query, body: read, signal, req: undefined as never, res: undefined as never }))!;
    } catch (error) {
      return this.failure(error, `${method} ${target} (in process)`);
    }
  }

  private authorize(header: string | undefined): void {
    const token = bearerToken(header);
    if (token === undefined) throw new HttpError(401, MISSING_TOKEN);
    if (!timingSafeEqual(tokenDigest(token), this.token)) throw new HttpError(403, WRONG_TOKEN);
  }

  private limit(client: string): void {
    const perMinute = this.options.requestsPerMinute ?? 600;
    const now = Date.now();
    const bucket = this.buckets.get(client) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens < 1) {
      const seconds = Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute));
      throw new HttpError(429, `Too many requests: at most ${perMinute} a minute. Retry in ${seconds} s.`, { 'Retry-After': String(seconds) });
    }
    bucket.tokens -= 1;
  }
}

/** The session whose agent calls, as its `instar` command or MCP server says (a request made in process has none). */
function callerOf(req: IncomingMessage | undefined): string | undefined {
  const value = req?.headers[CALLER_HEADER];
  return typeof value === 'string' && describeNameProblem(value) === undefined ? value : undefined;
}

/** A result with its times as ISO dates, as the API gives times. */
function apiResult(result: SessionResult): Record<string, unknown> {
  const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());
  return { ...result, session: result.name, answeredAt: iso(result.answeredAt), endedAt: iso(result.endedAt) };
}
