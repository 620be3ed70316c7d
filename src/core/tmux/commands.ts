/**
 * tmux commands as data: each function returns the argument vector of one tmux command
 * (without the socket options). Several commands run in one tmux call joined by ";", or are
 * written as lines to a control-mode client (controlProtocol.ts quotes them). Targets use
 * "=name" so that tmux matches the session name exactly, never a prefix.
 */
export type TmuxArgs = string[];

/** The field separator of our format strings: the ASCII unit separator, printed raw by tmux. */
export const FIELD_SEPARATOR = '\x1f';

export const exactSession = (name: string): string => `=${name}`;
/** The active pane of a session, by exact session name. */
export const sessionPane = (name: string): string => `=${name}:`;

/**
 * The argument vector of one tmux call running `commands` in order. tmux ends a command at
 * any argument that ends in ";" (so a prompt such as "fix it;" would be cut), unless the
 * ";" is preceded by a backslash: every argument is escaped here (so "x;" is sent as "x\;"
 * and arrives as "x;"), and commands are joined by ";".
 */
export function toArgv(commands: readonly TmuxArgs[]): string[] {
  const argv: string[] = [];
  commands.forEach((command, index) => {
    if (index > 0) argv.push(';');
    for (const arg of command) argv.push(arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg);
  });
  return argv;
}

export const PANE_FIELDS = [
  'pane_id',
  'pane_pid',
  'pane_dead',
  'pane_dead_status',
  'pane_dead_signal',
  'pane_dead_time',
  'window_activity',
  'session_created',
  'session_attached',
  'pane_width',
  'pane_height',
  // The session's tags (sessionTags.ts): empty on a session Instar did not start.
  '@instar-id',
  '@instar-ws',
  '@instar-run',
  '@instar-state',
  'session_name',
] as const;

/** A pane's id, pid, liveness, foreground program, workspace tag and folder (the path last: it may hold anything). */
export const PANE_DETAILS = ['#{pane_id}', '#{pane_pid}', '#{pane_dead}', '#{pane_current_command}', '#{@instar-ws}', '#{pane_current_path}'].join(FIELD_SEPARATOR);

/** One call for every pane of every session on the server. The session name comes last. */
export const listPanes = (): TmuxArgs => ['list-panes', '-a', '-F', PANE_FIELDS.map((field) => `#{${field}}`).join(FIELD_SEPARATOR)];

export interface NewSessionSpec {
  name: string;
  cwd: string;
  width: number;
  height: number;
  command: readonly string[];
}

/** Creates a detached session running `command` (argv, no shell) and prints its pane id. */
export const newSession = (spec: NewSessionSpec): TmuxArgs => [
  'new-session',
  '-d',
  '-s',
  spec.name,
  '-c',
  spec.cwd,
  '-x',
  String(spec.width),
  '-y',
  String(spec.height),
  '-P',
  '-F',
  '#{pane_id}',
  '--',
  ...spec.command,
];

export const setGlobalOption = (option: string, value: string): TmuxArgs => ['set-option', '-g', option, value];
export const setPaneOption = (target: string, option: string, value: string): TmuxArgs => ['set-option', '-p', '-t', target, option, value];
export const setSessionOption = (target: string, option: string, value: string): TmuxArgs => ['set-option', '-t', target, option, value];
export const showGlobalOption = (option: string): TmuxArgs => ['show-options', '-gv', option];
export const startServer = (): TmuxArgs => ['start-server'];
/** Sets a global hook (`hook` may name an index of its array, "session-closed[7]") to a tmux command. */
export const setGlobalHook = (hook: string, tmuxCommand: string): TmuxArgs => ['set-hook', '-g', hook, tmuxCommand];
/** Blocks until `channel` is signalled (`wait-for -S`, from anyone: a hook of the server). */
export const waitFor = (channel: string): TmuxArgs => ['wait-for', channel];

export interface CaptureSpec {
  /** How many lines of history above the visible screen to include. */
  history: number;
  ansi: boolean;
}

export const capturePane = (target: string, spec: CaptureSpec): TmuxArgs => [
  'capture-pane',
  '-p',
  '-J',
  ...(spec.ansi ? ['-e'] : []),
  '-S',
  String(-Math.max(0, Math.floor(spec.history))),
  '-t',
  target,
];

/**
 * Captures several panes in one tmux call: each capture followed by a line of `separator` (a
 * word no screen shows), which `splitCaptures` cuts the output at.
 */
export const capturePanes = (targets: readonly string[], spec: CaptureSpec, separator: string): TmuxArgs[] =>
  targets.flatMap((target) => [capturePane(target, spec), displayMessage(target, separator)]);

/** Types `text` literally: key names such as "Enter" stay text. */
export const sendLiteral = (target: string, text: string): TmuxArgs => ['send-keys', '-l', '-t', target, '--', text];
export const sendKeys = (target: string, keys: readonly string[]): TmuxArgs => ['send-keys', '-t', target, '--', ...keys];
/** Reads a paste buffer from standard input. */
export const loadBufferFromStdin = (buffer: string): TmuxArgs => ['load-buffer', '-b', buffer, '-'];
/** Pastes and deletes a buffer, bracketed when the application asked for bracketed paste. */
export const pasteBuffer = (buffer: string, target: string): TmuxArgs => ['paste-buffer', '-p', '-d', '-b', buffer, '-t', target];
export const killSession = (name: string): TmuxArgs => ['kill-session', '-t', exactSession(name)];
export const killServer = (): TmuxArgs => ['kill-server'];

/** Attaches a control-mode client (`tmux -C`) to a session. */
export const attachSession = (name: string): TmuxArgs => ['attach-session', '-t', exactSession(name)];
/** The command a person runs to attach a terminal. */
export const attach = (name: string): TmuxArgs => ['attach', '-t', exactSession(name)];
/** Sets a control client's size. */
export const refreshClientSize = (cols: number, rows: number): TmuxArgs => ['refresh-client', '-C', `${cols}x${rows}`];
/** Sets control client flags, such as "no-output". */
export const refreshClientFlags = (flags: string): TmuxArgs => ['refresh-client', '-f', flags];
/** Prints a format for a target. */
export const displayMessage = (target: string, format: string): TmuxArgs => ['display-message', '-p', '-t', target, format];
/** The visible screen with colours, trailing spaces kept, lines not joined: for painting a terminal. */
export const captureScreen = (target: string): TmuxArgs => ['capture-pane', '-p', '-e', '-N', '-t', target];
/** Pipes what the pane prints (not what it is sent) to a shell command. */
export const pipePaneOutput = (target: string, shellCommand: string): TmuxArgs => ['pipe-pane', '-O', '-t', target, shellCommand];
/** Stops a pane's pipe. */
export const stopPipePane = (target: string): TmuxArgs => ['pipe-pane', '-t', target];
/** Types bytes given as two-digit hex words. */
export const sendHexKeys = (target: string, hex: readonly string[]): TmuxArgs => ['send-keys', '-H', '-t', target, ...hex];
export const version = (): TmuxArgs => ['-V'];
