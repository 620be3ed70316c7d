/**
 * A fake Gemini API on loopback for the real Gemini CLI (GOOGLE_GEMINI_BASE_URL, an API key):
 * streamed turns (`:streamGenerateContent?alt=sse`) with the usage each reports, one-shot side
 * requests (`:generateContent`, which the CLI asks for JSON) and token counts. Tests script the
 * replies by the text of the last user message; a `tool` reply has the model call the CLI's shell
 * tool, and the request that brings its result back carries it in `toolResponses`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback, sendJson } from './loopbackServer';

export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  /** Part of promptTokenCount, as the API counts them. */
  cachedContentTokenCount?: number;
  /** Beside candidatesTokenCount (the API adds both into the total). */
  thoughtsTokenCount?: number;
}

export type GeminiReply =
  | { kind: 'text'; text: string; delayMs?: number; usage?: GeminiUsage }
  /** A functionCall of the shell tool the request declares, to run `command`. */
  | { kind: 'tool'; command: string; delayMs?: number; usage?: GeminiUsage }
  /** A functionCall of MCP server `server`'s tool `tool` (Gemini CLI declares it as `mcp_<server>_<tool>`). */
  | { kind: 'mcp'; server: string; tool: string; args: Record<string, unknown>; delayMs?: number; usage?: GeminiUsage }
  | { kind: 'error'; status: number; message?: string };

/** A tool's result the CLI sent back (a functionResponse part). */
export interface ToolResponse {
  id?: string;
  name: string;
  response: unknown;
}

export interface GeminiRequest {
  model: string;
  /** The text of the last user message that has text (the prompt; a tool's result has none). */
  lastUserText: string;
  /** The functionResponse parts after that message: the turn's calls that ran, in order. */
  toolResponses: ToolResponse[];
  body: Record<string, unknown>;
}

export type GeminiHandler = (request: GeminiRequest) => GeminiReply;

export const DEFAULT_GEMINI_USAGE: GeminiUsage = { promptTokenCount: 17, candidatesTokenCount: 7 };

const defaultHandler: GeminiHandler = (request) => ({ kind: 'text', text: `OK: ${request.lastUserText.slice(0, 40)}` });

interface Content {
  role?: string;
  parts?: { text?: string; functionResponse?: { id?: string; name?: string; response?: unknown } }[];
}

interface FunctionDeclaration {
  name?: string;
}

export class FakeGeminiApi {
  /** The streamed turns (not side requests), in order. */
  readonly requests: GeminiRequest[] = [];
  private handler: GeminiHandler = defaultHandler;

  private constructor(
    private readonly server: Server,
    /** What GOOGLE_GEMINI_BASE_URL takes. */
    readonly url: string,
  ) {}

  static async start(handler?: GeminiHandler): Promise<FakeGeminiApi> {
    let api: FakeGeminiApi | undefined;
    const { server, base } = await listenOnLoopback((req, res) => void api?.handle(req, res));
    api = new FakeGeminiApi(server, base);
    if (handler) api.handler = handler;
    return api;
  }

  setHandler(handler: GeminiHandler): void {
    this.handler = handler;
  }

  /** The prompts of conversation turns, in order. */
  userPrompts(): string[] {
    return this.requests.map((request) => request.lastUserText);
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const route = /\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/.exec(url.pathname);
    if (req.method !== 'POST' || !route) return sendJson(res, 404, { error: { code: 404, message: `${req.method} ${url.pathname}`, status: 'NOT_FOUND' } });
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    const [, model, method] = route;
    if (method === 'countTokens') return sendJson(res, 200, { totalTokens: 42 });
    const request = describe(model, body);
    if (method === 'generateContent') {
      // The CLI's own questions (whose turn is next, a summary), asked for JSON: the user's.
      return sendJson(res, 200, answer({ text: '{"reasoning":"The model answered.","next_speaker":"user"}' }, DEFAULT_GEMINI_USAGE, model));
    }
    this.requests.push(request);
    const reply = this.handler(request);
    if (reply.kind === 'error') return sendJson(res, reply.status, { error: { code: reply.status, message: reply.message ?? 'fake failure', status: 'INTERNAL' } });
    const call = reply.kind === 'tool' ? shellCall(body, reply.command, this.requests.length) : reply.kind === 'mcp' ? mcpCall(body, reply, this.requests.length) : undefined;
    if (reply.kind !== 'text' && !call) {
      const wanted = reply.kind === 'mcp' ? `${reply.server} ${reply.tool} tool` : 'shell tool';
      return sendJson(res, 400, { error: { code: 400, message: `the fake was asked for a tool call, but the request declares no ${wanted}`, status: 'INVALID_ARGUMENT' } });
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const usage = { ...DEFAULT_GEMINI_USAGE, ...reply.usage };
    res.write(`data: ${JSON.stringify(answer(reply.kind === 'text' ? { text: reply.text } : call!, usage, model))}\n\n`);
    res.end();
  }
}

function answer(part: Record<string, unknown>, usage: GeminiUsage, model: string): Record<string, unknown> {
  return {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0) },
    modelVersion: model,
  };
}


function describe(model: string, body: Record<string, unknown>): GeminiRequest {
  const contents = (Array.isArray(body.contents) ? body.contents : []) as Content[];
  const lastUser = [...contents].reverse().find((content) => content.role === 'user' && (content.parts ?? []).some((part) => typeof part.text === 'string'));
  // The first turn's message opens with the CLI's <session_context> part; the prompt is the last part.
  const texts = (lastUser?.parts ?? []).filter((part) => typeof part.text === 'string' && !part.text.startsWith('<session_context>')).map((part) => part.text!);
  const after = lastUser ? contents.slice(contents.lastIndexOf(lastUser) + 1) : contents;
  const toolResponses = after.flatMap((content) => (content.parts ?? []).flatMap((part) => (part.functionResponse ? [{ id: part.functionResponse.id, name: part.functionResponse.name ?? '', response: part.functionResponse.response }] : [])));
  return { model, lastUserText: (texts[texts.length - 1] ?? '').trim(), toolResponses, body };
}

function declaredNames(body: Record<string, unknown>): string[] {
  const tools = (Array.isArray(body.tools) ? body.tools : []) as { functionDeclarations?: FunctionDeclaration[] }[];
  return tools.flatMap((tool) => tool.functionDeclarations ?? []).map((declaration) => declaration.name ?? '');
}

/** A functionCall part of an MCP tool the request declares. */
function mcpCall(body: Record<string, unknown>, reply: { server: string; tool: string; args: Record<string, unknown> }, n: number): Record<string, unknown> | undefined {
  const name = `mcp_${reply.server}_${reply.tool}`;
  return declaredNames(body).includes(name) ? { functionCall: { id: `call_fake_${n}`, name, args: reply.args } } : undefined;
}

/** A functionCall part of the shell tool the request declares (Gemini CLI 0.61.0 offers `run_shell_command` when it may run commands). */
function shellCall(body: Record<string, unknown>, command: string, n: number): Record<string, unknown> | undefined {
  const names = declaredNames(body);
  const name = names.find((candidate) => candidate === 'run_shell_command') ?? names.find((candidate) => /shell/.test(candidate));
  return name ? { functionCall: { id: `call_fake_${n}`, name, args: { command, description: 'Run a command for the test' } } } : undefined;
}
