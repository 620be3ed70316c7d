/**
 * The team from VS Code's chat: Instar's MCP tools offered as language model tools (declared in
 * package.json's `languageModelTools`, trusted workspaces only). Each runs the very server
 * `instar mcp` serves (its schemas, checks and texts), loaded from dist/mcp.js on first use and
 * run in this host over the API's routes in process, so the tools work with the API off and in
 * a window that does not lead. A spawn, a send and a kill ask the person first (VS Code shows the
 * question in the chat, or as a dialog when a tool is invoked outside a chat); a session spawned
 * from the chat opens as an editor terminal beside it.
 */
import * as vscode from 'vscode';
import type { ToolAnswer } from '../core/mcp/inProcess';
import { MCP_TOOL_TIMEOUT_SECONDS } from '../core/agent/instarMcpServer';
import { ApiServer } from '../core/http/apiServer';
import { generateToken } from '../core/http/instarConfig';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { DisposableStore } from '../core/util/disposables';
import type { Logger } from '../core/util/host';
import type { WorkspaceGate } from './workspaceGate';

/** The prefix of the tools' names in package.json: `instar_spawn` is the MCP server's `spawn`. */
export const CHAT_TOOL_PREFIX = 'instar_';

/** How much of a prompt or follow-up a confirmation quotes. */
const QUOTED_CHARS = 600;

type Input = Record<string, unknown>;

interface Tools {
  call(name: string, args: Input, options: { signal?: AbortSignal; timeoutMs: number }): Promise<ToolAnswer>;
}

export interface ChatToolsHost {
  /** The tools' names as package.json declares them. */
  names: readonly string[];
  /** dist/mcp.js. */
  script: string;
  version: string;
  logger: Logger;
  /** Opens a session spawned from the chat, leaving the focus where it is. */
  open(name: string): void;
}

export class ChatTools implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private registered = false;
  private tools: Promise<Tools> | undefined;
  private folder: string | undefined;

  constructor(
    private readonly engine: SessionEngine,
    private readonly gate: WorkspaceGate,
    private readonly host: ChatToolsHost,
  ) {
    this.store.add(gate.onDidGrantTrust(() => this.register()));
    this.register();
  }

  /** Registers the tools once the workspace is trusted (an untrusted one has none). */
  private register(): void {
    if (this.registered || this.gate.trustedFolder() === undefined || typeof vscode.lm?.registerTool !== 'function') return;
    this.registered = true;
    for (const name of this.host.names) {
      const tool = name.slice(CHAT_TOOL_PREFIX.length);
      this.store.add(
        vscode.lm.registerTool<Input>(name, {
          prepareInvocation: (options) => this.prepare(tool, options.input ?? {}),
          invoke: (options, token) => this.invoke(tool, options.input ?? {}, token),
        }),
      );
    }
  }

  private prepare(tool: string, input: Input): vscode.PreparedToolInvocation {
    const name = typeof input.name === 'string' ? input.name : '';
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const quote = (value: string) => (value.length > QUOTED_CHARS ? `${value.slice(0, QUOTED_CHARS)}…` : value);
    const message = (...lines: string[]) => {
      const markdown = new vscode.MarkdownString();
      lines.filter((line) => line !== '').forEach((line, index) => markdown.appendText(`${index > 0 ? '\n\n' : ''}${line}`));
      return markdown;
    };
    switch (tool) {
      case 'spawn': {
        const agent = text(input.agent) || this.engine.defaultAgent;
        const how = [`${agent} ${text(input.model) || '(its default model)'}`, text(input.permissionMode) || this.engine.defaultPermissionMode, input.worktree ? 'in a worktree of its own' : ''].filter(Boolean).join(' · ');
        return {
          invocationMessage: `Spawning ${name}`,
          confirmationMessages: { title: vscode.l10n.t('Spawn {0}?', name), message: message(`An agent session (${how}) in ${this.gate.trustedFolder() ?? 'this workspace'}, with the prompt:`, quote(text(input.prompt)) || '(none)') },
        };
      }
      case 'send': {
        const what = input.option !== undefined ? `Answer its question with "${text(input.option)}".` : `Send it${input.resume ? ' (resumed first if it ended)' : ''}:`;
        return { invocationMessage: `Sending to ${name}`, confirmationMessages: { title: vscode.l10n.t('Send to {0}?', name), message: message(what, input.option !== undefined ? '' : quote(text(input.text))) } };
      }
      case 'kill':
        return { invocationMessage: `Killing ${name}`, confirmationMessages: { title: vscode.l10n.t('Kill {0}?', name), message: message('It stops now; its record, conversation and worktree stay, and it can be resumed.') } };
      case 'wait':
        return { invocationMessage: `Waiting for ${name || `label ${text(input.label)}`}` };
      default:
        return { invocationMessage: name ? `Instar: ${tool} ${name}` : `Instar: ${tool}` };
    }
  }

  private async invoke(tool: string, input: Input, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    if (this.gate.trustedFolder() === undefined) throw new Error('Instar Sessions runs no agents in an untrusted workspace: trust the workspace first.');
    const abort = new AbortController();
    const cancelled = token.onCancellationRequested(() => abort.abort());
    try {
      const tools = await this.connect();
      const answer = await tools.call(tool, input, { signal: abort.signal, timeoutMs: MCP_TOOL_TIMEOUT_SECONDS * 1000 });
      // A refusal reaches the model (and a caller outside the chat) as the tool's error, in the API's words.
      if (answer.isError) throw new Error(answer.text);
      const spawned = tool === 'spawn' ? (answer.structured?.session as { name?: unknown } | undefined)?.name : undefined;
      if (typeof spawned === 'string') this.host.open(spawned);
      return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(answer.text)]);
    } finally {
      cancelled.dispose();
    }
  }

  /** The server, loaded and connected once (again if the workspace's folder changed). */
  private connect(): Promise<Tools> {
    const folder = this.gate.trustedFolder()!;
    if (!this.tools || this.folder !== folder) {
      this.folder = folder;
      // Never listens: its routes answer in process, the checks and texts those of the HTTP API.
      const api = new ApiServer(this.engine, { port: 0, token: generateToken(), cwd: folder, folders: this.gate.trustedFolders(), version: this.host.version, logger: this.host.logger });
      // Read only here, by a path esbuild leaves alone: activation never loads the SDK.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by a path at run time: activation never loads the SDK
      const { connectInProcess } = require(this.host.script) as typeof import('../core/mcp/inProcess');
      const tools = connectInProcess((method, target, body, signal) => api.dispatch(method, target, body, signal), this.host.version);
      tools.catch((error: Error) => {
        this.host.logger.error(`The chat tools could not start: ${error.message}`);
        if (this.tools === tools) this.tools = undefined;
      });
      this.tools = tools;
    }
    return this.tools;
  }

  dispose(): void {
    this.store.dispose();
  }
}
