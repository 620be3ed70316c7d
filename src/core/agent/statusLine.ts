/**
 * The status line Instar gives each Claude Code agent (through its generated settings): Claude
 * Code hands a status line command its own figures (cost, context, model) as JSON on stdin each
 * time the conversation changes. The command keeps that input in the usage folder, a file per
 * session renamed into place whole (as the hooks do), then hands the same input to the user's own
 * status line, if they have one, and prints what it prints. It prints nothing otherwise.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { shellQuote } from '../util/shellQuote';
import { SESSION_ID_VARIABLE } from './hookSettings';

/** The variable that carries the user's own status line command to ours. */
export const USER_STATUS_LINE_VARIABLE = 'INSTAR_USER_STATUS_LINE';

/** The shell command line of the status line (Claude Code runs it through a shell, in the session's folder). */
export function statusLineCommand(usageDir: string): string {
  const dir = shellQuote(usageDir);
  const kept = `${dir}/"$${SESSION_ID_VARIABLE}".json`;
  return `t=$(mktemp ${dir}/.XXXXXXXX) && cat > "$t" && mv -f "$t" ${kept} && { [ -z "$${USER_STATUS_LINE_VARIABLE}" ] || exec /bin/sh -c "$${USER_STATUS_LINE_VARIABLE}" < ${kept}; }`;
}

export function statusLineSetting(usageDir: string): { type: 'command'; command: string; padding: number } {
  return { type: 'command', command: statusLineCommand(usageDir), padding: 0 };
}

/** What a status line's input says of usage; each figure only where Claude Code gave it. */
export interface StatusLineFigures {
  costUsd?: number;
  contextPercent?: number;
  contextWindow?: number;
  /** The tokens of the context now (the last answer's input, cache reads and writes). */
  contextTokens?: number;
  model?: string;
  version?: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/** Reads a status line input; undefined for text that is not one. */
export function parseStatusLineInput(text: string): StatusLineFigures | undefined {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(input)) return undefined;
  const cost = isObject(input.cost) ? input.cost : {};
  const context = isObject(input.context_window) ? input.context_window : {};
  const current = isObject(context.current_usage) ? context.current_usage : undefined;
  const model = isObject(input.model) ? input.model : {};
  const contextTokens = current ? (number(current.input_tokens) ?? 0) + (number(current.cache_read_input_tokens) ?? 0) + (number(current.cache_creation_input_tokens) ?? 0) : undefined;
  return {
    costUsd: number(cost.total_cost_usd),
    contextPercent: number(context.used_percentage),
    contextWindow: number(context.context_window_size),
    contextTokens,
    model: typeof model.id === 'string' ? model.id : undefined,
    version: typeof input.version === 'string' ? input.version : undefined,
  };
}

/**
 * The user's own status line command for a session in `cwd`, as Claude Code would find it:
 * the project's local settings, the project's, then the user's (in the config folder the agent's
 * environment names). Our --settings replaces it, so ours runs it.
 */
export async function userStatusLine(cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<string | undefined> {
  const home = env.HOME ?? os.homedir();
  const configDir = env.CLAUDE_CONFIG_DIR ?? path.join(home, '.claude');
  // Read at once (a spawn waits for them), taken in that order.
  const files = [path.join(cwd, '.claude', 'settings.local.json'), path.join(cwd, '.claude', 'settings.json'), path.join(configDir, 'settings.json')];
  const commands = await Promise.all(files.map((file) => fs.readFile(file, 'utf8').then(statusLineOf, () => undefined)));
  return commands.find((command) => command !== undefined);
}

/** The status line command a settings file's text sets, if any. */
function statusLineOf(text: string): string | undefined {
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    return undefined;
  }
  const line = isObject(settings) && isObject(settings.statusLine) ? settings.statusLine : undefined;
  return line && line.type === 'command' && typeof line.command === 'string' && line.command.trim() !== '' ? line.command : undefined;
}
