/**
 * Starts an agent for a session in a new tmux session: the hook settings its Claude Code version
 * knows and the status line that keeps its usage (chained to the user's own), the argv through
 * the fixed launch wrapper (never a shell string), and the tmux session created and tagged in one
 * call. Spawns and resumes both go through here.
 */
import type { AgentVersion } from '../agent/agentVersion';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodexServer, codexHookOverrides, codexMcpOverrides, codexMigrationOverrides, codexSessionOverrides, codexTrustOverrides } from '../agent/codexConfig';
import { prepareGeminiHome } from '../agent/geminiHome';
import { instarMcpServer, type McpServerCommand } from '../agent/instarMcpServer';
import { hookCommand, hookEventsFor, hookSettings } from '../agent/hookSettings';
import { launchArgv } from '../agent/launchSpec';
import { statusLineSetting, USER_STATUS_LINE_VARIABLE, userStatusLine } from '../agent/statusLine';
import type { SessionRecord } from '../model/sessionRecord';
import { createAgentSession } from '../tmux/sessionCreation';
import { tagCommands } from '../tmux/sessionTags';
import type { TmuxClient } from '../tmux/tmuxClient';
import type { EngineOptions } from './engineOptions';
import type { SessionFiles } from './sessionFiles';
import { taggedRecordOf, workspaceKeyOf } from './recordTags';

const MIN_HISTORY_LINES = 50_000;

export interface Launch {
  /** The record as it will be once the session is up: its tags are made from it. */
  record: SessionRecord;
  /** The agent program found on PATH. */
  agentPath: string;
  version: AgentVersion | undefined;
  extraArgs: readonly string[];
  env: Readonly<Record<string, string>>;
  /** The prompt in tmux's command. */
  prompt?: string;
  /** A file the wrapper hands to the agent as its prompt. */
  promptFile?: string;
  /** The agent's conversation to resume (its own id). */
  resumeId?: string;
}

export class AgentLauncher {
  private readonly codexServer = new CodexServer();

  constructor(
    private readonly files: SessionFiles,
    private readonly options: () => EngineOptions,
  ) {}

  /** Creates the tmux session; resolves with its pane id. */
  async launch(client: TmuxClient, launch: Launch): Promise<string | undefined> {
    const { record } = launch;
    const options = this.options();
    const claude = record.agentKind === 'claude';
    const cliDir = options.cli ? await this.files.cliDir(options.cli) : undefined;
    // Every kind gets Instar's MCP server where there is an instar command to run it, unless turned off.
    const mcpServer = cliDir && options.mcpServer !== false ? instarMcpServer(cliDir) : undefined;
    const kindConfig =
      record.agentKind === 'codex' ? [...(await this.codexOverrides(launch)), ...(mcpServer ? codexMcpOverrides(mcpServer) : [])]
      : claude && mcpServer ? ['--mcp-config', await this.files.mcpConfigFile(mcpServer)]
      : undefined;
    const kindEnv = record.agentKind === 'gemini' ? await this.geminiEnvironment(launch, mcpServer) : {};
    const settingsFile = claude
      ? await this.files.settingsFile({ ...hookSettings(this.files.eventsDir, hookEventsFor(launch.version)), statusLine: statusLineSetting(this.files.usageDir) })
      : undefined;
    // Ours replaces the user's own status line (--settings comes first): ours runs theirs.
    const userLine = claude ? await userStatusLine(record.cwd, { ...process.env, ...launch.env }) : undefined;
    const command = launchArgv({
      agentCommand: record.agentKind === 'other' ? record.agentCommand : launch.agentPath,
      agentKind: record.agentKind,
      sessionId: record.id,
      resumeId: launch.resumeId,
      model: record.model,
      permissionMode: record.permissionMode,
      settingsFile,
      statusFile: this.files.statusFile(record.id),
      extraArgs: launch.extraArgs,
      prompt: launch.prompt,
      promptFile: launch.promptFile,
      env: { ...launch.env, ...kindEnv, INSTAR_SESSION_NAME: record.name, ...(userLine ? { [USER_STATUS_LINE_VARIABLE]: userLine } : {}) },
      pathDir: cliDir,
      kindConfig,
    });
    return createAgentSession(client, {
      name: record.tmuxSession,
      cwd: record.cwd,
      command,
      width: options.width ?? 200,
      height: options.height ?? 50,
      historyLimit: Math.max(MIN_HISTORY_LINES, options.historyLimit ?? MIN_HISTORY_LINES),
      tags: tagCommands(record.tmuxSession, workspaceKeyOf(options), taggedRecordOf(record)),
    });
  }

  /**
   * Codex's per-session configuration: our hooks, marked trusted with the hashes its installed
   * version gives them, the folder trusted, and its model migrations marked seen.
   */
  private async codexOverrides(launch: Launch): Promise<string[]> {
    const { record } = launch;
    const hooks = codexHookOverrides(hookCommand(this.files.eventsDir));
    const stat = await fs.stat(launch.agentPath).catch(() => undefined);
    const env = { ...process.env, ...launch.env };
    const facts = await this.codexServer.of(launch.agentPath, stat ? `${stat.mtimeMs}:${stat.size}` : '', [...hooks, ...launch.extraArgs], record.cwd, env).catch((error: Error) => {
      this.options().logger?.warn(`Codex did not say how it trusts our hooks (${error.message}): ${record.name} may ask to review them before its state can be told`);
      return { trusted: [], upgrades: {} };
    });
    return [...hooks, ...codexTrustOverrides(facts.trusted), ...codexMigrationOverrides(facts.upgrades), ...codexSessionOverrides(record.cwd)];
  }

  /** Gemini CLI's home for this workspace's sessions: the user's, with our hooks and MCP server in its settings (see geminiHome.ts). */
  private async geminiEnvironment(launch: Launch, mcpServer: McpServerCommand | undefined): Promise<Record<string, string>> {
    const userHome = launch.env.GEMINI_CLI_HOME ?? process.env.GEMINI_CLI_HOME ?? launch.env.HOME ?? process.env.HOME ?? os.homedir();
    const home = await prepareGeminiHome(path.join(this.files.stateDir, 'gemini-home'), userHome, hookCommand(this.files.eventsDir), mcpServer);
    return { GEMINI_CLI_HOME: home };
  }
}
