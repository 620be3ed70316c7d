/**
 * Instar's MCP server as every agent kind is given it: `instar mcp` from the folder of the
 * `instar` command, under one name (its tools are `mcp__instar__spawn`… in Claude Code and Codex),
 * with the variables it finds the workspace's API by.
 */
import * as path from 'node:path';

export const MCP_SERVER_NAME = 'instar';

/** What `instar mcp` reads to find the workspace's API and who is calling (see src/cli/apiClient.ts). */
export const MCP_SERVER_VARIABLES = ['INSTAR_SERVER_URL', 'INSTAR_AUTH_TOKEN', 'INSTAR_CONFIG_FILE', 'INSTAR_SESSION_NAME'];

/** How long an agent lets one of its tools run: the wait tool's longest wait (the API's, 3600 s) and a minute (Codex's own limit is 60 s, Gemini CLI's 10 min). */
export const MCP_TOOL_TIMEOUT_SECONDS = 3660;

export interface McpServerCommand {
  command: string;
  args: string[];
}

/** The server's command, from the folder holding the `instar` command. */
export function instarMcpServer(cliDir: string): McpServerCommand {
  return { command: path.join(cliDir, 'instar'), args: ['mcp'] };
}
