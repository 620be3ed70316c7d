/**
 * The Claude Code settings given to each agent with --settings: hooks that drop every event's
 * JSON payload into the engine's events folder as a file of its own. The user's own Claude
 * settings are never touched.
 *
 * Each hook writes to a hidden temporary file and renames it to `<sessionId>.<random>.json`,
 * so the engine's folder watcher sees whole files only, and concurrent hooks never interleave.
 * The session id comes from the agent's environment (INSTAR_SESSION_ID), so one settings file
 * serves every session and a spawn writes no file.
 * The hook prints nothing: output of some hooks (SessionStart, UserPromptSubmit) would be
 * added to the conversation, and a PermissionRequest hook's output would answer the dialog.
 */
import { shellQuote } from '../util/shellQuote';

export const HOOK_EVENTS = [
  'SessionStart',
  'UserPromptSubmit',
  'PreToolUse',
  'PermissionRequest',
  'PostToolUse',
  'PostToolUseFailure',
  'Notification',
  'Elicitation',
  'ElicitationResult',
  'Stop',
  'StopFailure',
  'SessionEnd',
] as const;

const TOOL_EVENTS = new Set<string>(['PreToolUse', 'PermissionRequest', 'PostToolUse', 'PostToolUseFailure']);

export const EVENT_FILE_SUFFIX = '.json';

/** The variable that carries the session id to the hooks. */
export const SESSION_ID_VARIABLE = 'INSTAR_SESSION_ID';

/** The shell command line of the hook (Claude Code runs hook commands through a shell). */
export function hookCommand(eventsDir: string): string {
  const dir = shellQuote(eventsDir);
  return `t=$(mktemp ${dir}/.XXXXXXXX) && cat > "$t" && mv "$t" ${dir}/"$${SESSION_ID_VARIABLE}"."\${t##*.}"${EVENT_FILE_SUFFIX}`;
}

export function hookSettings(eventsDir: string): { hooks: Record<string, unknown[]> } {
  const command = hookCommand(eventsDir);
  const hooks: Record<string, unknown[]> = {};
  for (const event of HOOK_EVENTS) {
    const entry: Record<string, unknown> = { hooks: [{ type: 'command', command, timeout: 10 }] };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return { hooks };
}
