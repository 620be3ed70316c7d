/**
 * A fake OpenAI Responses API on loopback for the real Codex CLI (a model provider whose
 * base_url is this server, wire_api "responses"): streamed replies (SSE) with the usage each
 * reports, and the model list. Tests script the replies by the text of the last user message.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, sendJson } from './loopbackServer';

export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens?: number;
}

export type ResponsesReply = { kind: 'text'; text: string; delayMs?: number; usage?: ResponsesUsage } | { kind: 'error'; status: number; message?: string };

export interface ResponsesRequest {
  model: string;
  /** The text of the last user message. */
  lastUserText: string;
  /** A side request (the thread's title, asked with a JSON schema) rather than a turn. */
  isSide: boolean;
  body: Record<string, unknown>;
}

export type ResponsesHandler = (request: ResponsesRequest) => ResponsesReply;

export const DEFAULT_RESPONSES_USAGE: ResponsesUsage = { input_tokens: 21, output_tokens: 9, cached_tokens: 0 };

const defaultHandler: ResponsesHandler = (request) => ({ kind: 'text', text: `OK: ${request.lastUserText.slice(0, 40)}` });

interface InputItem {
  type?: string;
  role?: string;
  content?: string | { type?: string; text?: string }[];
}

export class FakeResponsesApi {
  readonly requests: ResponsesRequest[] = [];
  private handler: ResponsesHandler = defaultHandler;
  private counter = 0;

  private constructor(
    private readonly server: Server,
    /** The base URL a model provider takes (with /v1). */
    readonly url: string,
  ) {}

  static async start(handler?: ResponsesHandler): Promise<FakeResponsesApi> {
    let api: FakeResponsesApi | undefined;
    const { server, base } = await listenOnLoopback((req, res) => void api?.handle(req, res));
    api = new FakeResponsesApi(server, `${base}/v1`);
    if (handler) api.handler = handler;
    return api;
  }

  setHandler(handler: ResponsesHandler): void {
    this.handler = handler;
  }

  /** The prompts of conversation turns, in order. */
  userPrompts(): string[] {
    return this.requests.filter((request) => !request.isSide).map((request) => request.lastUserText);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'GET' && url.pathname.endsWith('/models')) {
      return sendJson(res, 200, { object: 'list', data: ['gpt-5.5', 'gpt-5.5-mini'].map((id) => ({ id, object: 'model', created: 1_767_225_600, owned_by: 'fake' })) });
    }
    if (req.method !== 'POST' || !url.pathname.endsWith('/responses')) return sendJson(res, 404, { error: { message: `${req.method} ${url.pathname}`, type: 'not_found' } });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const request = describe(body);
    this.requests.push(request);
    const reply: ResponsesReply = request.isSide ? { kind: 'text', text: '{"title":"Test session"}' } : this.handler(request);
    if (reply.kind === 'error') return sendJson(res, reply.status, { error: { message: reply.message ?? 'fake failure', type: 'server_error' } });
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    const n = ++this.counter;
    const id = `resp_fake_${n}`;
    const item = `msg_fake_${n}`;
    const usage = { ...DEFAULT_RESPONSES_USAGE, ...reply.usage };
    const message = (text: string, status: string) => ({ type: 'message', id: item, role: 'assistant', status, content: text === '' ? [] : [{ type: 'output_text', text, annotations: [] }] });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let sequence = 0;
    const send = (data: Record<string, unknown>) => res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify({ ...data, sequence_number: sequence++ })}\n\n`);
    send({ type: 'response.created', response: { id, object: 'response', status: 'in_progress', model: request.model, output: [] } });
    send({ type: 'response.output_item.added', output_index: 0, item: message('', 'in_progress') });
    send({ type: 'response.content_part.added', item_id: item, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    send({ type: 'response.output_text.delta', item_id: item, output_index: 0, content_index: 0, delta: reply.text });
    send({ type: 'response.output_text.done', item_id: item, output_index: 0, content_index: 0, text: reply.text });
    send({ type: 'response.output_item.done', output_index: 0, item: message(reply.text, 'completed') });
    send({
      type: 'response.completed',
      response: {
        id,
        object: 'response',
        status: 'completed',
        model: request.model,
        output: [message(reply.text, 'completed')],
        usage: {
          input_tokens: usage.input_tokens,
          input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
          output_tokens: usage.output_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.input_tokens + usage.output_tokens,
        },
      },
    });
    res.end();
  }
}


function describe(body: Record<string, unknown>): ResponsesRequest {
  const input = (Array.isArray(body.input) ? body.input : []) as InputItem[];
  const lastUser = [...input].reverse().find((item) => item.role === 'user');
  const content = lastUser?.content;
  const text = typeof content === 'string' ? content : (content ?? []).filter((part) => typeof part.text === 'string').map((part) => part.text).join('\n');
  const format = (body.text as { format?: { type?: string } } | undefined)?.format;
  return { model: typeof body.model === 'string' ? body.model : '', lastUserText: text.trim(), isSide: format?.type === 'json_schema', body };
}
