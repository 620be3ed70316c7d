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
import { AgentVersion, isAtLeast } from './agentVersion';

/**
 * The events the engine listens to, with the first Claude Code that accepts each (from its
 * CHANGELOG; no entry: older than anything supported). A version that does not know an event in
 * its --settings stops at start with a blocking "Settings Warning" dialog, so each version is
 * given only the events it knows.
 */
const EVENTS_SINCE: [string, string | undefined][] = [
  ['SessionStart', undefined],
  ['UserPromptSubmit', undefined],
  ['PreToolUse', undefined],
  ['PermissionRequest', '2.0.45'],
  ['PostToolUse', undefined],
  ['PostToolUseFailure', '2.1.119'],
  ['PermissionDenied', '2.1.89'],
  ['Notification', undefined],
  // Not listened to yet; known since (checked by starting each version with it): PreModelSwitch,
  // PostModelSwitch and DirectoryAdded 2.1.260 (2.1.219 for DirectoryAdded by the CHANGELOG).
  ['Elicitation', '2.1.76'],
  ['ElicitationResult', '2.1.76'],
  ['Stop', undefined],
  ['StopFailure', '2.1.78'],
  ['SessionEnd', undefined],
];

export const HOOK_EVENTS = EVENTS_SINCE.map(([event]) => event);

/** The oldest Claude Code the product is tested with; a version it cannot read is taken for this one. */
export const OLDEST_SUPPORTED = '2.1.197';

/** The events `version` accepts (those of the oldest supported version when it is unknown). */
export function hookEventsFor(version: AgentVersion | undefined): string[] {
  const fallback = { text: OLDEST_SUPPORTED, parts: OLDEST_SUPPORTED.split('.').map(Number) as [number, number, number] };
  return EVENTS_SINCE.filter(([, since]) => since === undefined || isAtLeast(version ?? fallback, since)).map(([event]) => event);
}

const TOOL_EVENTS = new Set<string>(['PreToolUse', 'PermissionRequest', 'PostToolUse', 'PostToolUseFailure', 'PermissionDenied']);

export const EVENT_FILE_SUFFIX = '.json';

/** The variable that carries the session id to the hooks. */
export const SESSION_ID_VARIABLE = 'INSTAR_SESSION_ID';

/** The shell command line of the hook (Claude Code runs hook commands through a shell). */
export function hookCommand(eventsDir: string): string {
  const dir = shellQuote(eventsDir);
  return `t=$(mktemp ${dir}/.XXXXXXXX) && cat > "$t" && mv "$t" ${dir}/"$${SESSION_ID_VARIABLE}"."\${t##*.}"${EVENT_FILE_SUFFIX}`;
}

export function hookSettings(eventsDir: string, events: readonly string[] = HOOK_EVENTS): { hooks: Record<string, unknown[]> } {
  const command = hookCommand(eventsDir);
  const hooks: Record<string, unknown[]> = {};
  for (const event of events) {
    const entry: Record<string, unknown> = { hooks: [{ type: 'command', command, timeout: 10 }] };
    if (TOOL_EVENTS.has(event)) entry.matcher = '*';
    hooks[event] = [entry];
  }
  return { hooks };
}
