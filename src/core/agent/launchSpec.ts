/**
 * The argument vector that starts an agent in its tmux pane.
 *
 * A fixed shell script runs the agent and writes its exit status to a file: tmux alone does
 * not always learn a pane's exit status (Debian's tmux 3.3a can leave an agent that exits while
 * the server waits on a helper unreaped, with an empty #{pane_dead_status}). The script is a
 * constant; the agent's argv reaches it as positional parameters and is never parsed by a
 * shell. `env` then gives the agent its variables and removes the ones it must not inherit.
 */
import type { AgentKind } from '../model/sessionRecord';
import type { PermissionMode } from '../model/permissionMode';
import { DROPPED_VARIABLES } from '../util/environment';
import { CLI_DEFAULT_MODEL } from './agentKinds';
import { SESSION_ID_VARIABLE } from './hookSettings';

/** tmux carries a whole command in one message of at most 16 KiB: prompts up to this size ride in it. */
export const MAX_INLINE_PROMPT_BYTES = 8 * 1024;
/**
 * Linux takes at most 128 KiB in one argument (MAX_ARG_STRLEN, its NUL included): prompts up to
 * this size are read from a file by the launch wrapper and given to the agent as one argument;
 * larger ones are pasted into the agent once it is ready.
 */
export const MAX_ARG_PROMPT_BYTES = 128 * 1024 - 1;

/** How a prompt reaches the agent: none, in tmux's command, from a file by the wrapper, or pasted. */
export type PromptRoute = 'none' | 'inline' | 'file' | 'paste';

export function promptRoute(prompt: string): PromptRoute {
  if (prompt === '') return 'none';
  const bytes = Buffer.byteLength(prompt, 'utf8');
  return bytes <= MAX_INLINE_PROMPT_BYTES ? 'inline' : bytes <= MAX_ARG_PROMPT_BYTES ? 'file' : 'paste';
}

/**
 * $1 is the status file, $2 a prompt file ('' for none), $3 a folder to put first on PATH ('' for
 * none: the `instar` command's), the rest the agent's argv. The prompt
 * file's bytes become the agent's last argument exactly (the "x" keeps trailing newlines that
 * $(…) would drop; the text is expanded in quotes, never parsed). INT and QUIT get a handler (not
 * "ignore", which the agent would inherit) so that a Ctrl-C before the agent takes the terminal
 * does not end the wrapper and lose the status.
 */
export const STATUS_WRAPPER =
  'f=$1; p=$2; [ -n "$3" ] && PATH=$3:$PATH && export PATH; shift 3; trap : INT QUIT; if [ -n "$p" ]; then a=$(cat -- "$p"; printf x); "$@" "${a%x}"; else "$@"; fi; s=$?; printf "%s\\n" "$s" > "$f"; exit "$s"';

export interface LaunchInput {
  agentCommand: string;
  agentKind: AgentKind;
  sessionId: string;
  /** Resume this conversation (the agent CLI's own id) instead of starting one. */
  resumeId?: string;
  model: string;
  permissionMode: PermissionMode;
  /** The Claude Code settings with the hooks (for Claude Code). */
  settingsFile: string | undefined;
  /** Where the wrapper writes the agent's exit status. */
  statusFile: string;
  extraArgs: readonly string[];
  /** The prompt in argv (route "inline"), or undefined. */
  prompt: string | undefined;
  /** A file the wrapper reads the prompt from (route "file"), or undefined. */
  promptFile?: string;
  env: Readonly<Record<string, string>>;
  /** A folder put first on the agent's PATH (where the `instar` command is). */
  pathDir?: string;
  /** The kind's per-session configuration in argv (Claude Code: `--mcp-config`; Codex: `-c` overrides of hooks, their trust, the folder's trust). */
  kindConfig?: readonly string[];
}

/** A kind whose prompt cannot come from the wrapper's file (a flag must carry it whole): longer ones are pasted. */
export const promptFileAllowed = (kind: AgentKind): boolean => kind !== 'gemini';

export function launchArgv(input: LaunchInput): string[] {
  const argv = ['sh', '-c', STATUS_WRAPPER, 'instar-agent', input.statusFile, input.promptFile ?? '', input.pathDir ?? '', 'env'];
  // The tmux server may hold them from whoever started it: the agent must not inherit them.
  for (const name of DROPPED_VARIABLES) argv.push('-u', name);
  for (const [name, value] of Object.entries({ ...input.env, [SESSION_ID_VARIABLE]: input.sessionId })) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
    argv.push(`${name}=${value}`);
  }
  argv.push(input.agentCommand, ...kindArgs(input), ...input.extraArgs);
  const inline = input.prompt !== undefined && input.prompt !== '';
  if (input.agentKind === 'gemini') {
    // -i takes the prompt as its value (a lone prompt would be one-shot); "=" keeps a leading "-" its own.
    if (inline) argv.push(`--prompt-interactive=${input.prompt!}`);
    return argv;
  }
  // "--" keeps a prompt that starts with "-" from being read as an option; the wrapper adds a file's.
  if ((inline || input.promptFile) && input.agentKind !== 'other') argv.push('--');
  if (inline) argv.push(input.prompt!);
  return argv;
}

/** What each kind is told besides its prompt: its conversation, model, permission mode and configuration. */
function kindArgs(input: LaunchInput): string[] {
  const config = input.kindConfig ?? [];
  const model = input.model === CLI_DEFAULT_MODEL ? [] : ['-m', input.model];
  switch (input.agentKind) {
    case 'claude': {
      // --resume cannot be combined with --session-id (Claude Code then asks for --fork-session).
      const argv = ['--model', input.model, ...(input.resumeId ? ['--resume', input.resumeId] : ['--session-id', input.sessionId])];
      // --mcp-config takes several files: an option after it ends its list.
      argv.push(...config);
      if (input.settingsFile) argv.push('--settings', input.settingsFile);
      if (input.permissionMode === 'bypassPermissions') argv.push('--dangerously-skip-permissions');
      else argv.push('--permission-mode', input.permissionMode);
      return argv;
    }
    case 'codex':
      // `resume <id>` is a subcommand: it comes first, its options after it.
      return [...(input.resumeId ? ['resume', input.resumeId] : []), ...config, ...model, ...CODEX_PERMISSIONS[input.permissionMode]];
    case 'gemini':
      // --skip-trust: the folder's trust for this session only (else a first-run question).
      return [...model, '--skip-trust', ...(input.resumeId ? ['--resume', input.resumeId] : ['--session-id', input.sessionId]), ...GEMINI_PERMISSIONS[input.permissionMode], ...config];
    default:
      return [];
  }
}

/**
 * Claude Code's permission modes in Codex's terms. Codex 0.169.0 takes two approval policies
 * (on-request: the model asks to leave its sandbox; never) and three sandboxes: "default" keeps
 * the sandbox of the user's configuration and asks, "acceptEdits" writes in the workspace and
 * asks for more, "plan" reads only.
 */
const CODEX_PERMISSIONS: Record<PermissionMode, string[]> = {
  bypassPermissions: ['--dangerously-bypass-approvals-and-sandbox'],
  default: ['--ask-for-approval', 'on-request'],
  acceptEdits: ['--sandbox', 'workspace-write', '--ask-for-approval', 'on-request'],
  plan: ['--sandbox', 'read-only', '--ask-for-approval', 'on-request'],
};

/** Claude Code's permission modes in Gemini CLI's (--approval-mode). */
const GEMINI_PERMISSIONS: Record<PermissionMode, string[]> = {
  bypassPermissions: ['--approval-mode', 'yolo'],
  default: ['--approval-mode', 'default'],
  acceptEdits: ['--approval-mode', 'auto_edit'],
  plan: ['--approval-mode', 'plan'],
};
