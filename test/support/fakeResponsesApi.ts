/**
 * A fake OpenAI Responses API on loopback for the real Codex CLI (a model provider whose
 * base_url is this server, wire_api "responses"): streamed replies (SSE) with the usage each
 * reports, and the model list. Tests script the replies by the text of the last user message;
 * a `tool` reply has the model run a shell command through the tool the request offers, and the
 * request that brings its result back carries it in `toolOutputs`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, sendJson } from './loopbackServer';

export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens?: number;
  /** Part of output_tokens, as the API counts them. */
  reasoning_tokens?: number;
}

export type ResponsesReply =
  | { kind: 'text'; text: string; delayMs?: number; usage?: ResponsesUsage }
  /** A call of the request's command tool to run `command` (see commandCall). */
  /** `escalate`: the model asks to run it outside Codex's sandbox, with this justification (what makes Codex ask the user under on-request). */
  | { kind: 'tool'; command: string; escalate?: string; delayMs?: number; usage?: ResponsesUsage }
  /**
   * A call of MCP server `server`'s tool `tool` with `args`. Codex defers MCP tools behind its
   * `tool_search`: where the tool is not offered yet, the fake searches for it first (Codex runs
   * the search and asks again with the tools found, and the handler gives the same reply again).
   */
  | { kind: 'mcp'; server: string; tool: string; args: Record<string, unknown>; delayMs?: number; usage?: ResponsesUsage }
  | { kind: 'error'; status: number; message?: string };

/** A tool's result the CLI sent back (function_call_output or custom_tool_call_output). */
export interface ToolOutput {
  callId: string;
  output: string;
}

export interface ResponsesRequest {
  model: string;
  /** The text of the last user message. */
  lastUserText: string;
  /** A side request (the thread's title, asked with a JSON schema) rather than a turn. */
  isSide: boolean;
  /** The tool results after the last user message: the turn's calls that ran, in order. */
  toolOutputs: ToolOutput[];
  body: Record<string, unknown>;
}

export type ResponsesHandler = (request: ResponsesRequest) => ResponsesReply;

export const DEFAULT_RESPONSES_USAGE: ResponsesUsage = { input_tokens: 21, output_tokens: 9, cached_tokens: 0 };

const defaultHandler: ResponsesHandler = (request) => ({ kind: 'text', text: `OK: ${request.lastUserText.slice(0, 40)}` });

interface InputItem {
  type?: string;
  role?: string;
  content?: string | { type?: string; text?: string }[];
  call_id?: string;
  output?: string | { type?: string; text?: string }[];
  tools?: ToolDeclaration[];
}

interface ToolDeclaration {
  type?: string;
  name?: string;
  tools?: ToolDeclaration[];
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
    const usage = { ...DEFAULT_RESPONSES_USAGE, ...reply.usage };
    const item =
      reply.kind === 'tool' ? commandCall(request.body, reply.command, n, reply.escalate)
      : reply.kind === 'mcp' ? mcpCall(request.body, reply, n)
      : message(`msg_fake_${n}`, reply.text);
    if (!item) return sendJson(res, 400, { error: { message: `the fake was asked for a tool call, but the request offers no ${reply.kind === 'mcp' ? `${reply.server} ${reply.tool} tool` : 'command tool'}`, type: 'invalid_request_error' } });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let sequence = 0;
    const send = (data: Record<string, unknown>) => res.write(`event: ${String(data.type)}\ndata: ${JSON.stringify({ ...data, sequence_number: sequence++ })}\n\n`);
    send({ type: 'response.created', response: { id, object: 'response', status: 'in_progress', model: request.model, output: [] } });
    send({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', ...(item.type === 'message' ? { content: [] } : {}) } });
    if (item.type === 'message') {
      const text = reply.kind === 'text' ? reply.text : '';
      send({ type: 'response.content_part.added', item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      send({ type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: text });
      send({ type: 'response.output_text.done', item_id: item.id, output_index: 0, content_index: 0, text });
    }
    send({ type: 'response.output_item.done', output_index: 0, item });
    send({
      type: 'response.completed',
      response: {
        id,
        object: 'response',
        status: 'completed',
        model: request.model,
        output: [item],
        usage: {
          input_tokens: usage.input_tokens,
          input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
          output_tokens: usage.output_tokens,
          output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
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
  const afterUser = lastUser ? input.slice(input.lastIndexOf(lastUser) + 1) : input;
  const toolOutputs = afterUser
    .filter((item) => (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') && typeof item.call_id === 'string')
    .map((item) => ({ callId: item.call_id!, output: typeof item.output === 'string' ? item.output : (item.output ?? []).map((part) => part.text ?? '').join('\n') }));
  return { model: typeof body.model === 'string' ? body.model : '', lastUserText: text.trim(), isSide: format?.type === 'json_schema', toolOutputs, body };
}

const message = (id: string, text: string): Record<string, unknown> => ({ type: 'message', id, role: 'assistant', status: 'completed', content: text === '' ? [] : [{ type: 'output_text', text, annotations: [] }] });

/**
 * The call that runs `command` with the tool the request offers: Codex 0.169.0 gives most models
 * the function `exec_command` ({cmd}) in `tools`, but GPT-6 ones only a freeform `exec` tool (in an
 * `additional_tools` input item) whose input is JavaScript calling the same command as `tools.exec_command`.
 */
function commandCall(body: Record<string, unknown>, command: string, n: number, escalate?: string): Record<string, unknown> | undefined {
  const args = { cmd: command, ...(escalate ? { sandbox_permissions: 'require_escalated', justification: escalate } : {}) };
  const declared: ToolDeclaration[] = [...((Array.isArray(body.tools) ? body.tools : []) as ToolDeclaration[])];
  for (const item of (Array.isArray(body.input) ? body.input : []) as InputItem[]) if (item.type === 'additional_tools') declared.push(...(item.tools ?? []));
  const all = declared.flatMap((tool) => [tool, ...(tool.tools ?? [])]);
  const base = { id: `fc_fake_${n}`, call_id: `call_fake_${n}`, status: 'completed' };
  if (all.some((tool) => tool.type === 'function' && tool.name === 'exec_command')) return { type: 'function_call', ...base, name: 'exec_command', arguments: JSON.stringify(args) };
  if (all.some((tool) => tool.type === 'custom' && tool.name === 'exec')) {
    return { type: 'custom_tool_call', ...base, name: 'exec', input: `const result = await tools.exec_command(${JSON.stringify(args)});\ntext(result.output);\n` };
  }
  return undefined;
}

/**
 * The call of an MCP tool: a function call where the request offers it (in `tools`, or found by
 * an earlier search: Codex names it `mcp__<server>__<tool>`, or `<tool>` in namespace
 * `mcp__<server>`), else a client-run `tool_search` for it, else nothing.
 */
function mcpCall(body: Record<string, unknown>, reply: { server: string; tool: string; args: Record<string, unknown> }, n: number): Record<string, unknown> | undefined {
  const namespace = `mcp__${reply.server}`;
  const base = { id: `fc_fake_${n}`, call_id: `call_fake_${n}`, status: 'completed' };
  const input = (Array.isArray(body.input) ? body.input : []) as InputItem[];
  const declared: ToolDeclaration[] = [...((Array.isArray(body.tools) ? body.tools : []) as ToolDeclaration[]), ...input.flatMap((item) => (item.type === 'tool_search_output' ? (item.tools ?? []) : []))];
  for (const tool of declared) {
    if (tool.type === 'function' && tool.name === `${namespace}__${reply.tool}`) return { type: 'function_call', ...base, name: tool.name, arguments: JSON.stringify(reply.args) };
    if (tool.type === 'namespace' && tool.name === namespace && (tool.tools ?? []).some((inner) => inner.name === reply.tool)) {
      return { type: 'function_call', ...base, name: reply.tool, namespace, arguments: JSON.stringify(reply.args) };
    }
  }
  const searched = input.some((item) => item.type === 'tool_search_output');
  if (!searched && declared.some((tool) => tool.type === 'tool_search')) {
    return { type: 'tool_search_call', ...base, execution: 'client', arguments: { query: `${reply.server} ${reply.tool}`, limit: 8 } };
  }
  return undefined;
}
