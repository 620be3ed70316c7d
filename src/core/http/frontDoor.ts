/**
 * The front door: one listener on the port every workspace shares (127.0.0.1:4040 unless told),
 * held by one API host of the machine, that hands each request to the API of the workspace its
 * bearer token belongs to (the door registry) and streams the answer back: same method, path,
 * headers and body, long waits and the event stream included, with no time limit of its own.
 * The workspace's API then checks the token itself, as it does for a direct call.
 *
 * It refuses what the API refuses before a route (a foreign Host, a web page, no token: 401, a
 * token of no workspace: 403) with the API's own answers, and answers GET /health without a token
 * itself (`door: true`). A workspace whose API does not answer (its host just died or stopped,
 * another host of it taking over) gets a few seconds for a new entry to appear; the body is held
 * (up to the API's own limit) to send it again.
 */
import { Agent, createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { Logger } from '../util/host';
import { bearerToken, MISSING_TOKEN, refuseForeignRequest, tokenDigest, WRONG_TOKEN } from './apiGuards';
import { inProcessApi, MAX_BODY_BYTES } from './apiServer';
import { DoorEntry, DoorRegistry, registryId } from './doorRegistry';
import { HttpError, readBody, send } from './httpRequest';

export interface FrontDoorOptions {
  port: number;
  registry: DoorRegistry;
  version: string;
  logger: Logger;
  /** How long a request waits for its workspace's API to answer again (another host taking over), in ms. */
  takeoverMs?: number;
}

/** What the door answers to GET /health without a token. */
export interface DoorHealth {
  status: 'ok';
  door: true;
  version: string;
  /** Workspaces whose API it serves now. */
  workspaces: number;
  /** The user whose workspaces these are (a door of another user serves none of ours). */
  uid?: number;
  /** Which registry it reads (registryId()): a host on another state folder is not served here. */
  registry: string;
}

const TAKEOVER_MS = 3000;
const NO_BODY = Buffer.alloc(0);
/** The largest answer held whole before it is sent on; a longer one is streamed. */
const WHOLE_ANSWER_BYTES = 16 * 1024 * 1024;

/** Headers of one connection only, never passed on (the body is sent whole, with its length). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'content-length']);

export class FrontDoor {
  private server: Server | undefined;
  private listeningSince = 0;
  /** Connections to the workspaces' APIs, kept open between requests. */
  private readonly agent = new Agent({ keepAlive: true });

  constructor(private readonly options: FrontDoorOptions) {}

  /** Listens on 127.0.0.1 at the door's port: 'in-use' when something holds it; other errors reject. */
  listen(): Promise<'listening' | 'in-use'> {
    const server = createServer((req, res) => void this.handle(req, res));
    return new Promise((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve('in-use') : reject(error)));
      server.listen(this.options.port, '127.0.0.1', () => {
        this.server = server;
        this.listeningSince = Date.now();
        resolve('listening');
      });
    });
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /**
   * Stops listening at once (another host may take the port) and closes idle connections;
   * requests under way (a long wait, an event stream) go on until they end.
   */
  close(): void {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.close();
    server.closeIdleConnections();
  }

  health(): DoorHealth {
    const workspaces = new Set(this.options.registry.entries().map((entry) => entry.workspaceKey)).size;
    return { status: 'ok', door: true, version: this.options.version, workspaces, ...(process.getuid ? { uid: process.getuid() } : {}), registry: registryId(this.options.registry.dir) };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.serve(req, res);
    } catch (error) {
      if (error instanceof HttpError) send(res, error.status, { error: error.message }, error.headers);
      else {
        this.options.logger.error(`The front door, ${req.method} ${req.url}: ${(error as Error).message}`);
        send(res, 500, { error: 'Internal error of the front door; see the Instar Sessions log.' });
      }
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    refuseForeignRequest(req);
    const isHealth = req.method === 'GET' && /^\/health(\?|#|$)/.test(req.url ?? '');
    const token = bearerToken(req.headers.authorization);
    if (token === undefined) {
      if (isHealth) return send(res, 200, this.health());
      throw new HttpError(401, MISSING_TOKEN);
    }
    const digest = tokenDigest(token);
    const { registry } = this.options;
    const takeoverMs = this.options.takeoverMs ?? TAKEOVER_MS;
    let found: DoorEntry[] | undefined = await registry.lookup(digest);
    // A token of no workspace is refused at once, unless its workspace may be between two hosts:
    // its entry went lately, or this door is new (it took over from a host that may have been
    // that workspace's too, and has not seen the entry go).
    const maybeMoving = registry.wentAway(digest) || Date.now() - this.listeningSince < takeoverMs;
    if (found.length === 0 && (isHealth || !maybeMoving)) {
      // /health takes no token at a workspace's API: a wrong one gets the door's own answer.
      if (isHealth) return send(res, 200, this.health());
      throw new HttpError(403, WRONG_TOKEN);
    }
    // The API of this very process (the host that holds the door serves its own workspace): no second connection.
    const own = found.length === 1 && found[0].pid === process.pid ? inProcessApi(found[0].port) : undefined;
    if (own) return own(req, res);
    // A request with neither length nor chunks has no body (GET, DELETE): nothing to wait for.
    const body = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined ? NO_BODY : await readBody(req, MAX_BODY_BYTES);
    const deadline = Date.now() + takeoverMs;
    let failed: DoorEntry | undefined;
    for (;;) {
      const entry = await this.entryFor(digest, found, failed, deadline);
      found = undefined;
      if (res.destroyed) return;
      if (!entry) {
        if (!failed && !registry.wentAway(digest)) throw new HttpError(403, WRONG_TOKEN);
        const seconds = Math.round(takeoverMs / 1000);
        throw new HttpError(
          503,
          failed
            ? `This workspace's API (127.0.0.1:${failed.port}, process ${failed.pid}) does not answer, and no other window or keeper of it took over within ${seconds} s. Try again shortly; if it goes on, reopen the workspace's window or start its keeper (instar keeper).`
            : `This workspace's API stopped, and no other window or keeper of it took over within ${seconds} s. Try again shortly; if it goes on, reopen the workspace's window or start its keeper (instar keeper).`,
          { 'Retry-After': '2' },
        );
      }
      if ((await this.forward(entry, req, body, res)) === 'answered') return;
      failed = entry;
    }
  }

  /**
   * The entry to send a request to: the newest live one of the token (of those just `found`, at
   * first), other than one that did not answer; waits for one to appear until the deadline.
   */
  private async entryFor(digest: Buffer, found: DoorEntry[] | undefined, failed: DoorEntry | undefined, deadline: number): Promise<DoorEntry | undefined> {
    const { registry } = this.options;
    for (;;) {
      const entries = (found ?? (await registry.lookup(digest))).filter((entry) => entry.port !== this.options.port && !(failed && entry.pid === failed.pid && entry.port === failed.port));
      if (entries.length > 0) {
        const workspaces = new Set(entries.map((entry) => entry.workspaceKey));
        if (workspaces.size > 1) {
          throw new HttpError(409, `This token is the token of several workspaces (${[...new Set(entries.map((entry) => entry.folder))].join(', ')}): rotate it in one of them (Instar Sessions: Rotate API Token) and use the new one.`);
        }
        return entries[0];
      }
      found = undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await registry.nextChange(Math.min(100, left));
      await registry.refresh();
    }
  }

  /** Sends the request to the workspace's API and streams its answer back; 'refused' where nothing listens there. */
  private forward(entry: DoorEntry, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<'answered' | 'refused'> {
    return new Promise((resolve, reject) => {
      const attempt = (again: boolean) => {
        // A request that changes something goes on a connection of its own: on a kept-alive one,
        // closed by the API as it was reused, it could not be told from one the API had carried
        // out before its host died, and must not be sent twice.
        const reading = req.method === 'GET' || req.method === 'HEAD';
        const upstream = request({ host: '127.0.0.1', port: entry.port, method: req.method, path: req.url, headers: forwardedHeaders(req.headers, body.length), agent: reading ? this.agent : false });
        // The client went away before its answer ended: so does the request (a wait stops waiting).
        const onGone = () => {
          if (!res.writableFinished) upstream.destroy();
        };
        res.once('close', onGone);
        upstream.on('response', (answer) => {
          resolve('answered');
          answer.on('aborted', () => res.destroy());
          answer.on('error', () => res.destroy());
          const length = Number(answer.headers['content-length'] ?? Number.NaN);
          res.writeHead(answer.statusCode ?? 502, answerHeaders(answer.headers));
          if (length <= WHOLE_ANSWER_BYTES) {
            // An answer of known, bounded length (every JSON answer) is sent in one write once
            // whole: piped, it goes in steps of the socket's buffer, each waiting for the client.
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.on('end', () => res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
            return;
          }
          // One of unknown length (an event stream) has its status at once, before any event.
          res.flushHeaders();
          answer.pipe(res);
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          res.off('close', onGone);
          if (res.headersSent || res.destroyed) return void res.destroy();
          if (error.code === 'ECONNREFUSED') return resolve('refused');
          // A kept-alive connection the API closed as it was reused: once more on a new one.
          if (!again && reading && upstream.reusedSocket && error.code === 'ECONNRESET') return attempt(true);
          reject(new HttpError(502, `This workspace's API (127.0.0.1:${entry.port}) broke off before it answered (${error.message})${reading ? '' : ': the request may or may not have been carried out'}.`));
        });
        upstream.end(body);
      };
      attempt(false);
    });
  }
}

function forwardedHeaders(headers: IncomingHttpHeaders, length: number): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  if (length > 0 || headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) out['content-length'] = String(length);
  return out;
}

function answerHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding') out[name] = value;
  return out;
}
