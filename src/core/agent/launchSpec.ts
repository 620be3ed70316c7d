/**
 * The argument vector that starts an agent in its tmux pane.
 *
 * A fixed shell script runs the agent and writes its exit status to a file: tmux alone does
 * not always learn a pane's exit status (Debian's tmux 3.3a can leave an agent that exits while
 * the server waits on a helper unreaped, with an empty #{pane_dead_status}). The script is a
 * constant; the agent's argv reaches it as positional parameters and is never parsed by a
 * shell. `env` then gives the agent its variables and removes the ones it must not inherit.
 */
import * as path from 'node:path';
import type { AgentKind } from '../model/sessionRecord';
import type { PermissionMode } from '../model/permissionMode';
import { DROPPED_VARIABLES } from '../util/environment';
import { SESSION_ID_VARIABLE } from './hookSettings';

/**
 * tmux carries a whole command in one message of at most 16 KiB, so prompts longer than this
 * are not put in argv: they are pasted into the agent once it is ready.
 */
export const MAX_ARGV_PROMPT_BYTES = 8 * 1024;

/**
 * $1 is the status file, the rest the agent's argv. INT and QUIT get a handler (not "ignore",
 * which the agent would inherit) so that a Ctrl-C before the agent takes the terminal does not
 * end the wrapper and lose the status.
 */
export const STATUS_WRAPPER = 'f=$1; shift; trap : INT QUIT; "$@"; s=$?; printf "%s\\n" "$s" > "$f"; exit "$s"';

export interface LaunchInput {
  agentCommand: string;
  agentKind: AgentKind;
  sessionId: string;
  model: string;
  permissionMode: PermissionMode;
  settingsFile: string;
  /** Where the wrapper writes the agent's exit status. */
  statusFile: string;
  extraArgs: readonly string[];
  /** The prompt, or undefined when there is none or it will be pasted. */
  prompt: string | undefined;
  env: Readonly<Record<string, string>>;
}

export function agentKindOf(agentCommand: string): AgentKind {
  return /^claude(\.exe|\.cmd)?$/i.test(path.basename(agentCommand)) ? 'claude' : 'generic';
}

export function promptFitsArgv(prompt: string): boolean {
  return Buffer.byteLength(prompt, 'utf8') <= MAX_ARGV_PROMPT_BYTES;
}

export function launchArgv(input: LaunchInput): string[] {
  const argv = ['sh', '-c', STATUS_WRAPPER, 'instar-agent', input.statusFile, 'env'];
  // The tmux server may hold them from whoever started it: the agent must not inherit them.
  for (const name of DROPPED_VARIABLES) argv.push('-u', name);
  for (const [name, value] of Object.entries({ ...input.env, [SESSION_ID_VARIABLE]: input.sessionId })) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    argv.push(`${name}=${value}`);
  }
  argv.push(input.agentCommand);
  if (input.agentKind === 'claude') {
    argv.push('--model', input.model, '--session-id', input.sessionId, '--settings', input.settingsFile);
    if (input.permissionMode === 'bypassPermissions') argv.push('--dangerously-skip-permissions');
    else argv.push('--permission-mode', input.permissionMode);
  }
  argv.push(...input.extraArgs);
  if (input.prompt !== undefined && input.prompt !== '') {
    // "--" keeps a prompt that starts with "-" from being read as an option.
    if (input.agentKind === 'claude') argv.push('--');
    argv.push(input.prompt);
  }
  return argv;
}
