/**
 * How `instar` reaches the API: the URL and token from the environment every spawned session
 * gets (INSTAR_SERVER_URL, INSTAR_AUTH_TOKEN), else from the workspace's `.instar/config.json`
 * (looked for from the current folder up). When the environment's address no longer answers (the
 * API moved to another window on another port), the config file's is tried.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CALLER_HEADER } from '../core/http/instarConfig';
import { answerOf, ApiCaller, ApiError } from '../core/mcp/apiCaller';

export { ApiError };

/** The API could not be reached or is not set up: exit status 3. */
export class UnreachableError extends Error {}

interface Endpoint {
  url: string;
  token: string;
  from: string;
}

export class ApiClient implements ApiCaller {
  private endpoint: Endpoint | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly cwd: string,
  ) {}

  /** GET, POST or DELETE `route`; resolves with the JSON body of a 2xx, rejects with ApiError or UnreachableError. */
  async call<T = Record<string, unknown>>(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(method, route, body, signal);
    const text = await response.text();
    let json: Record<string, unknown>;
    try {
      json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      throw new ApiError(response.status, `The API answered ${response.status} with text that is not JSON: ${text.slice(0, 200)}`, {});
    }
    return answerOf<T>(response.status, json);
  }

  /** The raw response (for the event stream). */
  async fetch(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const endpoints = await this.endpoints();
    let last: unknown;
    for (const endpoint of endpoints) {
      try {
        const response = await fetch(`${endpoint.url}${route}`, {
          method,
          // A session's own command and MCP server say which session calls: its spawns are its children.
          headers: { authorization: `Bearer ${endpoint.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(this.env.INSTAR_SESSION_NAME ? { [CALLER_HEADER]: this.env.INSTAR_SESSION_NAME } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
        this.endpoint = endpoint;
        return response;
      } catch (error) {
        if (signal?.aborted) throw error;
        last = error;
      }
    }
    const tried = endpoints.map((endpoint) => `${endpoint.url} (from ${endpoint.from})`).join(', then ');
    const cause = (last as { cause?: { code?: string } })?.cause?.code ?? (last as Error)?.message;
    throw new UnreachableError(`Cannot reach the Instar Sessions API at ${tried}: ${cause}. Is VS Code open on this workspace (trusted, instar.api.enabled not turned off), or its keeper running (instar keeper)?`);
  }

  private async endpoints(): Promise<Endpoint[]> {
    if (this.endpoint) return [this.endpoint];
    const found: Endpoint[] = [];
    // The workspace's file first, read now: it has the token and port as they are (rotated, moved).
    const named = this.env.INSTAR_CONFIG_FILE ? await readConfig(this.env.INSTAR_CONFIG_FILE) : undefined;
    if (named) found.push(named);
    const url = this.env.INSTAR_SERVER_URL;
    const token = this.env.INSTAR_AUTH_TOKEN;
    if (url && token && !found.some((endpoint) => endpoint.url === url.replace(/\/+$/, '') && endpoint.token === token)) found.push({ url: url.replace(/\/+$/, ''), token, from: 'INSTAR_SERVER_URL' });
    const config = await findConfig(this.cwd);
    if (config && !found.some((endpoint) => endpoint.url === config.url && endpoint.token === config.token)) found.push(config);
    if (found.length === 0) {
      throw new UnreachableError(
        'No Instar Sessions API to talk to: INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN are not set (sessions spawned by Instar Sessions have them) and no .instar/config.json was found in this folder or above it. Open the workspace in VS Code (trusted; the API runs unless instar.api.enabled is off), or start its keeper (instar keeper).',
      );
    }
    return found;
  }
}

/** The nearest `.instar/config.json` from `dir` up. */
async function findConfig(dir: string): Promise<Endpoint | undefined> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const found = await readConfig(path.join(at, '.instar', 'config.json'));
    if (found) return found;
    if (path.dirname(at) === at) return undefined;
  }
}

/** The endpoint a config file gives, or undefined (none there, unreadable, or not one). */
async function readConfig(file: string): Promise<Endpoint | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    if (typeof value.port === 'number' && typeof value.authToken === 'string') return { url: `http://127.0.0.1:${value.port}`, token: value.authToken, from: file };
  } catch {
    // None there, or unreadable.
  }
  return undefined;
}
