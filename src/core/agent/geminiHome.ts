/**
 * What a Gemini CLI session is started with, without touching the user's own settings.
 *
 * Gemini CLI reads hooks from its settings layers only: the project's `.gemini/settings.json`
 * (the user's repository), the user's `~/.gemini/settings.json`, and a system file that 0.61.0
 * skips unless root owns it and every folder above it (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`: no use
 * to a user). So each workspace gets a home of its own for Gemini (`GEMINI_CLI_HOME`): its
 * `.gemini/settings.json` is the user's settings with our hooks added, written again at each
 * spawn, and every other entry of the user's `~/.gemini` (the login, the chats under `tmp/`, the
 * extensions, GEMINI.md…) is a link to the user's own, so a session sees the user's Gemini and
 * its chats are where `gemini --resume` in a terminal finds them.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parse, ParseError, printParseErrorCode } from 'jsonc-parser';
import { writeFileAtomic } from '../util/atomicWrite';
import { MCP_SERVER_NAME, MCP_SERVER_VARIABLES, MCP_TOOL_TIMEOUT_SECONDS, type McpServerCommand } from './instarMcpServer';

/** The Gemini CLI hook events the engine listens to; hookEvents.ts reads them as Claude Code's. */
export const GEMINI_HOOK_EVENTS = ['SessionStart', 'BeforeAgent', 'AfterAgent', 'BeforeTool', 'AfterTool', 'Notification', 'SessionEnd'];

const TOOL_EVENTS = new Set(['BeforeTool', 'AfterTool']);

/**
 * Folders of `~/.gemini` made (as the user's Gemini would) and linked before a session needs
 * them, so that its chats land in the user's own: a link to a folder not there yet fails
 * Gemini's mkdir. Files it writes whole (projects.json) replace a link with a file of their
 * own, so files are linked only when the user's are there.
 */
const LINKED_FOLDERS = ['tmp', 'history'];

/**
 * Our hooks in Gemini's settings shape. Its hooks answer with JSON on stdout: "{}" asks for
 * nothing. Its time-outs are in milliseconds.
 */
export function geminiHooks(command: string): Record<string, unknown[]> {
  const hooks: Record<string, unknown[]> = {};
  for (const event of GEMINI_HOOK_EVENTS) {
    const entry: Record<string, unknown> = { hooks: [{ type: 'command', name: 'instar-sessions', command: `${command}; printf '{}'`, timeout: 10_000 }] };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return hooks;
}

/** The user's settings with our hooks after theirs, event by event. */
export function withOurHooks(userSettings: Record<string, unknown>, ours: Record<string, unknown[]>): Record<string, unknown> {
  const theirs = typeof userSettings.hooks === 'object' && userSettings.hooks !== null && !Array.isArray(userSettings.hooks) ? (userSettings.hooks as Record<string, unknown>) : {};
  const hooks: Record<string, unknown> = { ...theirs };
  for (const [event, entries] of Object.entries(ours)) hooks[event] = [...(Array.isArray(theirs[event]) ? (theirs[event] as unknown[]) : []), ...entries];
  return { ...userSettings, hooks };
}

const asObject = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const asStrings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

/**
 * The user's settings with Instar's MCP server beside theirs. Gemini hides variables whose name
 * looks secret from an MCP server when it starts one (and from `$VAR` in its settings), so the
 * server's own are allowed by name; where the user lists the only servers allowed, ours is added.
 */
export function withOurMcpServer(settings: Record<string, unknown>, server: McpServerCommand): Record<string, unknown> {
  const security = asObject(settings.security);
  const redaction = asObject(security.environmentVariableRedaction);
  const mcp = asObject(settings.mcp);
  return {
    ...settings,
    mcpServers: { ...asObject(settings.mcpServers), [MCP_SERVER_NAME]: { command: server.command, args: server.args, timeout: MCP_TOOL_TIMEOUT_SECONDS * 1000 } },
    security: { ...security, environmentVariableRedaction: { ...redaction, allowed: [...new Set([...asStrings(redaction.allowed), ...MCP_SERVER_VARIABLES])] } },
    ...(Array.isArray(mcp.allowed) ? { mcp: { ...mcp, allowed: [...new Set([...asStrings(mcp.allowed), MCP_SERVER_NAME])] } } : {}),
  };
}

/**
 * Makes (or brings up to date) the Gemini home at `home` for the user whose home is `userHome`,
 * with Instar's MCP server when there is one; returns the value for `GEMINI_CLI_HOME`.
 */
export async function prepareGeminiHome(home: string, userHome: string, hookCommand: string, mcpServer?: McpServerCommand): Promise<string> {
  const own = path.join(home, '.gemini');
  const user = path.join(userHome, '.gemini');
  await fs.mkdir(own, { recursive: true, mode: 0o700 });
  await fs.mkdir(user, { recursive: true, mode: 0o700 });
  const settings = withOurHooks(await readUserSettings(path.join(user, 'settings.json')), geminiHooks(hookCommand));
  await writeFileAtomic(path.join(own, 'settings.json'), `${JSON.stringify(mcpServer ? withOurMcpServer(settings, mcpServer) : settings, null, 2)}\n`, { mode: 0o600 });
  await Promise.all(LINKED_FOLDERS.map((name) => fs.mkdir(path.join(user, name), { recursive: true, mode: 0o700 })));
  const names = new Set(await fs.readdir(user));
  names.delete('settings.json');
  await Promise.all([...names].map((name) => linkOnce(path.join(user, name), path.join(own, name))));
  return home;
}

async function linkOnce(target: string, link: string): Promise<void> {
  try {
    await fs.symlink(target, link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** The user's settings (JSON with comments, as Gemini CLI reads them); none when there is no file. */
async function readUserSettings(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const errors: ParseError[] = [];
  const parsed: unknown = parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    // Gemini itself would stop on it: say where rather than start a session without the user's settings.
    throw new Error(`The Gemini CLI settings ${file} cannot be read (${errors.length > 0 ? printParseErrorCode(errors[0].error) : 'not an object'}); fix the file and spawn again.`);
  }
  return parsed as Record<string, unknown>;
}
