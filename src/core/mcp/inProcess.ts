/**
 * Instar's MCP tools in the host's own process, for VS Code's chat: the very server `instar mcp`
 * serves (its schemas, checks and texts), over an in-memory transport, calling the API's routes
 * in process (ApiServer.dispatch) rather than over HTTP, so that they work with the API off.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { answerOf, ApiCaller } from './apiCaller';
import { createInstarMcpServer } from './instarMcp';

/** A request through the API's routes, answered with its status and JSON body. */
export type Dispatch = (method: string, target: string, body?: unknown, signal?: AbortSignal) => Promise<[number, unknown]>;

/** What a tool answered: its text, whether it is a refusal, and its structured result. */
export interface ToolAnswer {
  text: string;
  isError: boolean;
  structured?: Record<string, unknown>;
}

export interface InProcessTools {
  /** The tools and their input schemas, as the server lists them. */
  list(): Promise<{ name: string; inputSchema: Record<string, unknown> }[]>;
  call(name: string, args: Record<string, unknown>, options: { signal?: AbortSignal; timeoutMs: number }): Promise<ToolAnswer>;
  close(): Promise<void>;
}

class DispatchCaller implements ApiCaller {
  constructor(private readonly dispatch: Dispatch) {}

  async call<T>(method: string, route: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const [status, json] = await this.dispatch(method, route, body, signal);
    return answerOf<T>(status, (json ?? {}) as Record<string, unknown>);
  }
}

export async function connectInProcess(dispatch: Dispatch, version: string): Promise<InProcessTools> {
  const server = createInstarMcpServer(new DispatchCaller(dispatch), version);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'instar-sessions-chat', version });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return {
    async list() {
      return (await client.listTools()).tools.map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema as Record<string, unknown> }));
    },
    async call(name, args, { signal, timeoutMs }) {
      const result = await client.callTool({ name, arguments: args }, undefined, { signal, timeout: timeoutMs });
      const content = (result.content ?? []) as { type: string; text?: string }[];
      const text = content.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('\n');
      return { text, isError: result.isError === true, structured: result.structuredContent as Record<string, unknown> | undefined };
    },
    async close() {
      await client.close();
      await server.close();
    },
  };
}
