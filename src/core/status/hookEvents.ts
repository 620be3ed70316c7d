/**
 * Agent CLI hook payloads, as the hooks drop them into the events folder, and the events the
 * engines add to the same folder so that every engine of a workspace learns what one of them did
 * (a kill, a removal, a spawn): their names start with "instar:".
 *
 * Claude Code's names and fields are the engine's terms. Codex's hooks have the same; Gemini
 * CLI's are read as the Claude Code events that mean the same (see GEMINI_EVENTS).
 */

export interface HookEvent {
  /** Our session id, from the file name. */
  sessionId: string;
  /** hook_event_name: SessionStart, Stop… */
  name: string;
  /** Epoch ms at which the hook wrote the event (the file's modification time). */
  at: number;
  /** Sorts as the events were written (see eventOrder); '' when unknown. */
  order: string;
  claudeSessionId?: string;
  transcriptPath?: string;
  cwd?: string;
  source?: string;
  toolName?: string;
  /** What a tool call asks to do, in a line (PreToolUse, PermissionRequest): see toolAskOf. */
  toolAsk?: string;
  notificationType?: string;
  message?: string;
  error?: string;
  reason?: string;
  prompt?: string;
  /** Stop: the turn's last answer (last_assistant_message), whole. */
  answer?: string;
  /** The engine that wrote an engine event. */
  engine?: string;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Parses one payload. Returns undefined for text that is not a hook payload. */
export function parseHookPayload(sessionId: string, text: string, at: number, order = ''): HookEvent | undefined {
  let payload: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    payload = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const native = str(payload.hook_event_name);
  if (!native) return undefined;
  const name = GEMINI_EVENTS[native] ?? native;
  const error = payload.error;
  const notificationType = str(payload.notification_type);
  const reason = str(payload.reason);
  const answer = str(payload.last_assistant_message) ?? str(payload.prompt_response);
  return {
    sessionId,
    name,
    at,
    order,
    claudeSessionId: str(payload.session_id),
    transcriptPath: str(payload.transcript_path),
    cwd: str(payload.cwd),
    source: str(payload.source),
    toolName: str(payload.tool_name),
    toolAsk: toolAskOf(str(payload.tool_name), payload.tool_input),
    notificationType: notificationType === 'ToolPermission' ? 'permission_prompt' : notificationType,
    message: str(payload.message) ?? answer?.slice(0, 200),
    error: typeof error === 'string' ? error : error && typeof error === 'object' ? JSON.stringify(error).slice(0, 200) : undefined,
    // Gemini CLI's "exit" is Claude Code's prompt_input_exit: the person ended it (/quit, Ctrl-C twice).
    reason: native === 'SessionEnd' && reason === 'exit' ? 'prompt_input_exit' : reason,
    prompt: str(payload.prompt),
    answer,
    engine: str(payload.engine),
  };
}

/**
 * Gemini CLI's events (0.61.0) that Claude Code names otherwise: a turn begins (BeforeAgent,
 * with its prompt) and ends (AfterAgent, with its answer as prompt_response), a tool call begins
 * and ends. Its SessionStart, SessionEnd and Notification keep their names; a Notification of
 * type ToolPermission is Claude Code's permission_prompt.
 */
const GEMINI_EVENTS: Record<string, string> = { BeforeAgent: 'UserPromptSubmit', AfterAgent: 'Stop', BeforeTool: 'PreToolUse', AfterTool: 'PostToolUse' };

/** How much of what a tool call asks is kept. */
export const TOOL_ASK_CHARS = 300;

/**
 * What a tool call asks to do, as a person reads it before answering: a command, a file, an
 * address, a question with its options; otherwise its input's first fields. Undefined without input.
 */
export function toolAskOf(toolName: string | undefined, input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  const fields = input as Record<string, unknown>;
  const first = (...keys: string[]) => keys.map((key) => fields[key]).find((value): value is string => typeof value === 'string' && value.trim() !== '');
  let ask: string | undefined;
  const questions = fields.questions;
  if (Array.isArray(questions) && questions.length > 0 && typeof questions[0] === 'object' && questions[0] !== null) {
    const question = questions[0] as { question?: unknown; options?: unknown };
    const options = Array.isArray(question.options) ? question.options.map((option) => (typeof option === 'object' && option !== null ? (option as { label?: unknown }).label : undefined)).filter((label): label is string => typeof label === 'string') : [];
    ask = `${typeof question.question === 'string' ? question.question : 'a question'}${options.length > 0 ? ` (${options.join(' / ')})` : ''}`;
  } else {
    const path = first('file_path', 'notebook_path', 'path');
    const main = first('command', 'url', 'query', 'pattern', 'prompt', 'description');
    ask = path && main ? `${path}: ${main}` : (path ?? main);
    if (ask === undefined) {
      const text = JSON.stringify(input);
      ask = text === '{}' ? undefined : text;
    }
  }
  if (ask === undefined) return undefined;
  const line = ask.replace(/\s+/g, ' ').trim();
  const named = toolName && !questions ? `${toolName}: ${line}` : line;
  return named.length > TOOL_ASK_CHARS ? `${named.slice(0, TOOL_ASK_CHARS - 1)}…` : named;
}

/** `<sessionId>.<random>.json` → sessionId; undefined for other files (temporaries start with "."). */
export function sessionIdOfEventFile(fileName: string): string | undefined {
  const match = /^([A-Za-z0-9-]+)\.[A-Za-z0-9]+\.json$/.exec(fileName);
  return match ? match[1] : undefined;
}

/** What an engine did to a session, for the other engines of its workspace. */
export type EngineEventName = 'instar:spawn' | 'instar:kill' | 'instar:remove' | 'instar:end-idle' | 'instar:resume' | 'instar:budget';

export const isEngineEvent = (event: Pick<HookEvent, 'name'>): boolean => event.name.startsWith('instar:');
