/**
 * A fake Anthropic Messages API on loopback for the real Claude Code CLI: streaming (SSE) and
 * plain replies, text or a tool call, errors, token counting and the model list. Tests script
 * the replies by the text of the last user message.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, sendJson } from './loopbackServer';

/** The usage a reply reports (the API's names); what is not given is the default's. */
export interface FakeUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export type FakeReply =
  | { kind: 'text'; text: string; delayMs?: number; usage?: FakeUsage }
  | { kind: 'tool'; name: string; input: Record<string, unknown>; delayMs?: number; usage?: FakeUsage }
  | { kind: 'error'; status: number; type?: string; message?: string; headers?: Record<string, string> };

/** What every reply reports unless it says otherwise. */
export const DEFAULT_USAGE = { input_tokens: 12, output_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

export interface FakeRequest {
  model: string;
  stream: boolean;
  /** The text of the last user message (tool results excluded). */
  lastUserText: string;
  /** The last user message carries a tool result. */
  hasToolResult: boolean;
  /** The text of the tool results in the last user message (what the tool printed). */
  toolResultText: string;
  /** A side request (conversation title, summary) rather than a turn of the conversation. */
  isSide: boolean;
  body: Record<string, unknown>;
}

export type Handler = (request: FakeRequest) => FakeReply;

interface Message {
  role: string;
  content: string | { type: string; text?: string; content?: string | { type: string; text?: string }[] }[];
}

export const defaultHandler: Handler = (request) =>
  request.hasToolResult ? { kind: 'text', text: 'The tool ran.' } : { kind: 'text', text: `OK: ${request.lastUserText.slice(0, 40)}` };

export class FakeMessagesApi {
  readonly requests: FakeRequest[] = [];
  /** The replies given to conversation turns (not side requests), in order. */
  readonly replies: FakeReply[] = [];
  private handler: Handler = defaultHandler;
  private counter = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(handler?: Handler): Promise<FakeMessagesApi> {
    let api: FakeMessagesApi | undefined;
    const { server, base } = await listenOnLoopback((req, res) => void api?.handle(req, res));
    api = new FakeMessagesApi(server, base);
    if (handler) api.handler = handler;
    return api;
  }

  setHandler(handler: Handler): void {
    this.handler = handler;
  }

  /** The user prompts of conversation turns, in order. */
  userPrompts(): string[] {
    return this.requests.filter((r) => !r.isSide && !r.hasToolResult).map((r) => r.lastUserText);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'HEAD' || (req.method === 'GET' && url.pathname === '/')) return void res.writeHead(200).end();
    if (req.method === 'GET' && url.pathname.startsWith('/v1/models')) {
      return sendJson(res, 200, { data: ['claude-sonnet-5', 'claude-opus-5', 'claude-haiku-5'].map((id) => ({ type: 'model', id, display_name: id, created_at: '2026-01-01T00:00:00Z' })), has_more: false });
    }
    if (req.method !== 'POST' || !url.pathname.startsWith('/v1/messages')) return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `${req.method} ${url.pathname}` } });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    if (url.pathname.endsWith('/count_tokens')) return sendJson(res, 200, { input_tokens: 42 });
    const request = describe(body);
    this.requests.push(request);
    const reply: FakeReply = request.isSide ? { kind: 'text', text: '{"title": "Test session"}' } : this.handler(request);
    if (!request.isSide) this.replies.push(reply);
    if (reply.kind === 'error') {
      return sendJson(res, reply.status, { type: 'error', error: { type: reply.type ?? 'api_error', message: reply.message ?? 'fake failure' } }, reply.headers);
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    const id = `msg_fake_${++this.counter}`;
    const block =
      reply.kind === 'text'
        ? { type: 'text', text: reply.text }
        : { type: 'tool_use', id: `toolu_fake_${this.counter}`, name: reply.name, input: reply.input };
    const stopReason = reply.kind === 'text' ? 'end_turn' : 'tool_use';
    const usage = { ...DEFAULT_USAGE, ...reply.usage };
    if (!request.stream) {
      return sendJson(res, 200, { id, type: 'message', role: 'assistant', model: request.model, content: [block], stop_reason: stopReason, stop_sequence: null, usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    send('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model: request.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
    if (block.type === 'text') {
      send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } });
      send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    send('content_block_stop', { type: 'content_block_stop', index: 0 });
    send('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
    send('message_stop', { type: 'message_stop' });
    res.end();
  }
}


function textOf(message: Message | undefined): { text: string; toolResult: boolean; toolResultText: string } {
  if (!message) return { text: '', toolResult: false, toolResultText: '' };
  if (typeof message.content === 'string') return { text: message.content, toolResult: false, toolResultText: '' };
  const blocks = Array.isArray(message.content) ? message.content : [];
  const results = blocks.filter((block) => block.type === 'tool_result');
  const resultText = (content: unknown): string =>
    typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('\n') : '';
  return {
    text: blocks.filter((block) => block.type === 'text' && typeof block.text === 'string').map((block) => block.text).join('\n'),
    toolResult: results.length > 0,
    toolResultText: results.map((block) => resultText(block.content)).join('\n'),
  };
}

/** Claude Code wraps context in <system-reminder> blocks inside user messages; the prompt is what remains. */
function promptText(text: string): string {
  return text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>\s*/g, '').trim();
}

function describe(body: Record<string, unknown>): FakeRequest {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as Message[];
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const { text, toolResult, toolResultText } = textOf(lastUser);
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return {
    model: typeof body.model === 'string' ? body.model : 'claude-sonnet-5',
    stream: body.stream === true,
    lastUserText: promptText(text),
    hasToolResult: toolResult,
    toolResultText,
    isSide: tools.length === 0,
    body,
  };
}
