/**
 * A fake Anthropic Messages API on 127.0.0.1 (random port) for driving the real Claude Code CLI
 * (2.1.197) in tests. Only Node built-ins.
 *
 * - `HEAD /` (and `GET /`) -> 200: claude probes the base URL at start.
 * - `POST /v1/messages[?beta=true]`: streaming (SSE) or plain JSON replies, text or a tool call,
 *   or an Anthropic-shaped error. Replies come from a handler, scripted by the prompt's text
 *   (see `replyByMarker`).
 * - `POST /v1/messages/count_tokens` -> `{"input_tokens": N}`.
 * - `GET /v1/models[/ID]` -> a plausible model list (or one model).
 * - Anything else -> 404 with an Anthropic error body.
 *
 * The conversation-title request claude makes by itself (no tools, a "Generate a concise,
 * sentence-case title" system prompt, a JSON-schema output format) is recognised
 * (`isTitleRequest`), answered with `{"title": "Test session"}` without calling the handler, and
 * left out of `userPrompts()`.
 *
 * Errors carry `x-should-retry: false` unless the reply says `retry: true`: claude's client
 * otherwise retries 5xx/429/529 with back-off (0.5, 1, 2, 4, 8 s ...; up to 10 attempts), which
 * makes an error turn take minutes.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface FakeRequest {
  model: string;
  messages: any[];
  system?: unknown;
  stream: boolean;
  tools?: unknown[];
  /** The whole parsed request body. */
  raw: any;
  /** Request path with query, e.g. `/v1/messages?beta=true`. */
  path: string;
  /**
   * The text of the last role:"user" message: its text blocks joined with "\n", leaving out the
   * blocks that are wholly a `<system-reminder>` (claude prepends one with the date and context to
   * the first prompt). '' when the message holds only tool results.
   */
  lastUserText: string;
  /**
   * The newest prompt: the last text block of the last role:"user" message that is not a
   * `<system-reminder>`. It differs from lastUserText when claude merged prompts into one user
   * message: after a failed turn (API error) the failed prompt stays in the history and the next
   * prompt is sent as another block of the same user message (the earlier block gets a trailing
   * "\n"). '' when the message holds only tool results.
   */
  prompt: string;
  /** The last role:"user" message carries tool_result blocks (claude reporting what a tool did). */
  hasToolResult: boolean;
  /** The conversation-title request claude makes by itself, not a turn of the conversation. */
  isTitleRequest: boolean;
  /** Date.now() once the body had been read. */
  receivedAt: number;
  /** Size of the request body in bytes (after any content-encoding). */
  bodyBytes: number;
}

export type FakeReply =
  | { kind: 'text'; text: string; delayMs?: number }
  | { kind: 'tool'; name: string; input: Record<string, unknown>; text?: string; delayMs?: number }
  | {
      kind: 'error';
      status: number;
      /** Defaults by status: 400 invalid_request_error, 401 authentication_error, 429 rate_limit_error, 500 api_error, 529 overloaded_error, ... */
      errorType?: string;
      message?: string;
      /** true: leave out `x-should-retry: false`, so claude retries with back-off as it does against the real API. */
      retry?: boolean;
      delayMs?: number;
    };

export interface HandlerContext {
  /** See FakeRequest.lastUserText. */
  lastUserText: string;
  /** See FakeRequest.prompt: the newest prompt only. Match markers against this. */
  prompt: string;
  isTitleRequest: boolean;
  /** The last user message is a tool result (the request after a tool ran or was refused). */
  hasToolResult: boolean;
  /** 0-based index of this request among all POST /v1/messages requests. */
  index: number;
}

export type FakeHandler = (req: FakeRequest, ctx: HandlerContext) => FakeReply;

/** The default reply: `OK: <first 40 chars of the prompt>`; after a tool result, `Done.`. */
export const defaultHandler: FakeHandler = (_req, ctx) =>
  ctx.hasToolResult ? { kind: 'text', text: 'Done.' } : { kind: 'text', text: `OK: ${ctx.prompt.slice(0, 40)}` };

export type ReplyRule = [match: string | RegExp, reply: FakeReply | ((req: FakeRequest, ctx: HandlerContext) => FakeReply)];

/**
 * A handler that answers with the first rule whose marker (substring or RegExp) occurs in the
 * newest prompt (`ctx.prompt`), else `fallback` (the default handler). Requests that carry a tool
 * result never match, so a tool marker does not loop: the fallback answers them ("Done.").
 *
 *   FakeAnthropic.start(replyByMarker([
 *     ['RUN_TOOL', bashTool('touch x.txt')],
 *     ['FAIL_500', { kind: 'error', status: 500 }],
 *     ['SLOW', { kind: 'text', text: 'slow reply', delayMs: 8000 }],
 *   ]))
 */
export function replyByMarker(rules: ReplyRule[], fallback: FakeHandler = defaultHandler): FakeHandler {
  return (req, ctx) => {
    if (!ctx.hasToolResult) {
      for (const [match, reply] of rules) {
        const hit = typeof match === 'string' ? ctx.prompt.includes(match) : match.test(ctx.prompt);
        if (hit) return typeof reply === 'function' ? reply(req, ctx) : reply;
      }
    }
    return fallback(req, ctx);
  };
}

/** A tool_use reply for claude's Bash tool. */
export function bashTool(command: string, description = 'Run a command', text?: string): FakeReply {
  return { kind: 'tool', name: 'Bash', input: { command, description }, text };
}

export const TITLE_REPLY = '{"title": "Test session"}';

const MODELS: [string, string][] = [
  ['claude-sonnet-5', 'Claude Sonnet 5'],
  ['claude-opus-5', 'Claude Opus 5'],
  ['claude-haiku-5', 'Claude Haiku 5'],
  ['claude-sonnet-4-5', 'Claude Sonnet 4.5'],
  ['claude-opus-4-1', 'Claude Opus 4.1'],
  ['claude-haiku-4-5', 'Claude Haiku 4.5'],
];

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export class FakeAnthropic {
  /** Every POST /v1/messages body, in order (count_tokens not included). */
  readonly requests: FakeRequest[] = [];
  /** Every HTTP request seen, as `METHOD path`, in order. */
  readonly log: string[] = [];
  private handler: FakeHandler;
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    handler: FakeHandler,
  ) {
    this.handler = handler;
  }

  static async start(handler: FakeHandler = defaultHandler): Promise<FakeAnthropic> {
    let api: FakeAnthropic | undefined;
    const server = createServer((req, res) => {
      api!.handle(req, res).catch((error) => {
        if (!res.headersSent) sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: `fake server: ${String(error)}` } }, { 'x-should-retry': 'false' });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    api = new FakeAnthropic(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, handler);
    return api;
  }

  setHandler(handler: FakeHandler): void {
    this.handler = handler;
  }

  /**
   * The prompt of each conversation turn, in order: the newest prompt (`FakeRequest.prompt`, the
   * last text block of the last role:"user" message, system reminders left out) of each non-title
   * request, skipping requests whose last user message holds only tool results. One entry per
   * request that reached the API (a turn that claude refused locally, e.g. "Context limit
   * reached", sends none; a retried error sends several).
   */
  userPrompts(): string[] {
    return this.requests.filter((r) => !r.isTitleRequest && !(r.hasToolResult && r.prompt === '')).map((r) => r.prompt);
  }

  /** Resolves with the conversation (non-title) requests once there are at least `count`. */
  async waitForRequests(count: number, timeoutMs = 30_000): Promise<FakeRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const turns = this.requests.filter((r) => !r.isTitleRequest);
      if (turns.length >= count) return turns;
      if (Date.now() > deadline) throw new Error(`fake API: ${turns.length} of ${count} requests after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    this.log.push(`${req.method} ${req.url}`);
    const body = await readBody(req);
    res.setHeader('request-id', `req_fake_${Date.now().toString(36)}${this.log.length}`);

    if (path === '/' && (req.method === 'HEAD' || req.method === 'GET')) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'GET' ? 'ok' : undefined);
      return;
    }
    if (req.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) return this.models(res, path);
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      return sendJson(res, 200, { input_tokens: Math.max(1, Math.ceil(body.length / 4)) });
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `Not found: ${req.method} ${url.pathname}` } });
    }

    let parsed: any;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: `invalid JSON body: ${String(error)}` } }, { 'x-should-retry': 'false' });
    }
    const request = describe(parsed, req.url ?? path, body.length);
    const index = this.requests.length;
    this.requests.push(request);
    const ctx: HandlerContext = { lastUserText: request.lastUserText, prompt: request.prompt, isTitleRequest: request.isTitleRequest, hasToolResult: request.hasToolResult, index };
    const reply: FakeReply = request.isTitleRequest ? { kind: 'text', text: TITLE_REPLY } : this.handler(request, ctx);

    let closed = false;
    res.on('close', () => (closed = true));
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (closed || res.destroyed) return; // the client gave up (e.g. Escape in claude)

    if (reply.kind === 'error') {
      const headers: Record<string, string> = reply.retry ? {} : { 'x-should-retry': 'false' };
      const error = { type: reply.errorType ?? ERROR_TYPES[reply.status] ?? 'api_error', message: reply.message ?? 'Fake API failure' };
      return sendJson(res, reply.status, { type: 'error', error }, headers);
    }

    const n = (++this.counter).toString().padStart(4, '0');
    const id = `msg_fake_${n}`;
    const content: any[] = [];
    if (reply.kind === 'text') content.push({ type: 'text', text: reply.text });
    else {
      if (reply.text) content.push({ type: 'text', text: reply.text });
      content.push({ type: 'tool_use', id: `toolu_fake_${n}`, name: reply.name, input: reply.input });
    }
    const stopReason = reply.kind === 'tool' ? 'tool_use' : 'end_turn';
    const outputTokens = Math.max(1, Math.ceil(JSON.stringify(content).length / 4));
    const usage = { input_tokens: Math.max(1, Math.ceil(body.length / 4)), output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    const model = request.model || 'claude-sonnet-5';

    if (!request.stream) {
      return sendJson(res, 200, { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage });
    }

    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
    content.forEach((block, index) => {
      if (block.type === 'text') {
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        for (const piece of pieces(block.text, 200)) send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      } else {
        send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
        send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      }
      send('content_block_stop', { type: 'content_block_stop', index });
    });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }

  private models(res: ServerResponse, path: string): void {
    const all = MODELS.map(([id, display_name]) => ({ type: 'model', id, display_name, created_at: '2026-01-01T00:00:00Z' }));
    const one = path.slice('/v1/models/'.length);
    if (one) {
      const model = all.find((m) => m.id === one);
      return model ? sendJson(res, 200, model) : sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `model: ${one}` } });
    }
    sendJson(res, 200, { data: all, has_more: false, first_id: all[0].id, last_id: all[all.length - 1].id });
  }
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value));
}

/** Reads the whole body (claude sends bodies of several MB with big prompts). */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  const body = Buffer.concat(parts);
  switch (String(req.headers['content-encoding'] ?? '').toLowerCase()) {
    case 'gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    case 'br':
      return brotliDecompressSync(body);
    default:
      return body;
  }
}

function* pieces(text: string, size: number): Generator<string> {
  if (text === '') yield '';
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const REMINDER_BLOCK = /^\s*<system-reminder>[\s\S]*<\/system-reminder>\s*$/;

function textBlocks(content: unknown, dropReminders: boolean): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content
    .filter((block) => block && block.type === 'text' && typeof block.text === 'string' && !(dropReminders && REMINDER_BLOCK.test(block.text)))
    .map((block) => block.text as string);
}

/** The user's text in a message: text blocks joined with "\n", without whole-block <system-reminder>s. */
export function userTextOf(content: unknown): string {
  return textBlocks(content, true).join('\n');
}

/** The last text block of a user message that is not a whole <system-reminder>. */
export function newestPromptOf(content: unknown): string {
  const texts = textBlocks(content, true);
  return texts.length ? texts[texts.length - 1] : '';
}

/**
 * Claude Code 2.1.197 asks for a conversation title with a request that has `tools: []`, a system
 * prompt "... Generate a concise, sentence-case title (3-7 words) ..." and `output_config.format`
 * a JSON schema with a `title` property; its user message is `<session>\nPROMPT\n</session>\n\n
 * Write the title in the language ...`. Conversation turns always carry the tool list.
 */
export function isTitleRequestBody(body: any): boolean {
  const tools = Array.isArray(body?.tools) ? body.tools : [];
  if (tools.length > 0) return false;
  const props = body?.output_config?.format?.schema?.properties;
  if (props && typeof props === 'object' && 'title' in props) return true;
  return /generate a concise[^.]*title|\btitle\b[^.]*\bsession\b|summar/i.test(textBlocks(body?.system, false).join('\n'));
}

function describe(body: any, path: string, bodyBytes: number): FakeRequest {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  // The last entry can be a role:"system" message: look for the last user one.
  const lastUser = [...messages].reverse().find((m) => m && m.role === 'user');
  const blocks: any[] = lastUser && Array.isArray(lastUser.content) ? lastUser.content : [];
  return {
    model: typeof body?.model === 'string' ? body.model : '',
    messages,
    system: body?.system,
    stream: body?.stream === true,
    tools: Array.isArray(body?.tools) ? body.tools : undefined,
    raw: body,
    path,
    lastUserText: lastUser ? userTextOf(lastUser.content) : '',
    prompt: lastUser ? newestPromptOf(lastUser.content) : '',
    hasToolResult: blocks.some((b) => b && b.type === 'tool_result'),
    isTitleRequest: isTitleRequestBody(body),
    receivedAt: Date.now(),
    bodyBytes,
  };
}
