/**
 * The status of a session as a pure function of what is observed. Hooks are the primary
 * signal, the pane's exit status ends a session, and the screen fills what hooks cannot see
 * (a first-run dialog before any hook, an Escape that ends a turn without a Stop event) or,
 * for agents that are not Claude Code, decides alone.
 */
import { ANSWER_PREVIEW_CHARS, exitStatusText, isEnded, NOT_LOGGED_IN_DETAIL, SessionRecord, SessionStatus, StatusSignal } from '../model/sessionRecord';
import { AgentKindFacts, kindFacts } from '../agent/agentKinds';
import { HookEvent, isEngineEvent } from './hookEvents';
import { rateLimitDetail } from './rateLimit';
import { needsUser, ScreenState } from './screen';

export type StatusInput =
  | { kind: 'hook'; event: HookEvent }
  /** The pane is dead; exitCode null when tmux could not tell. */
  /** `cleanExit`: the status is unknown but the screen shows Claude Code's own clean-exit message. */
  | { kind: 'exit'; exitCode: number | null; at: number; cleanExit?: boolean }
  /** The tmux session is gone and no exit was seen. */
  | { kind: 'vanished'; at: number }
  /** The visible screen as it was at `at` (when its capture began), and how long the pane had printed nothing. */
  | { kind: 'screen'; screen: ScreenState; at: number; quietMs: number }
  | { kind: 'killed'; at: number }
  /** The engine answered the session's dialog and saw the answer land (dialogAnswer.ts). */
  | { kind: 'answered'; outcome: 'allowed' | 'refused' | 'chosen'; at: number; askedAt: number };

/**
 * A running Claude Code session animates its spinner while it works; after this long without
 * output its screen is read, and the screen decides (an Escape ends a turn without a Stop).
 */
export const CLAUDE_QUIET_MS = 1000;
/** An agent that is not Claude Code counts as idle after this long without output. */
export const QUIET_MS = 3000;
/** SessionEnd reasons of an exit the user asked for; any other end whose session vanishes is lost. */
const CLEAN_END_REASONS = new Set(['prompt_input_exit', 'logout']);
/** A session started with a prompt that shows an idle input box this long after start says it waits for the prompt to be taken. */
export const SLOW_START_MS = 8000;

const TOOLS_THAT_ASK = new Set(['AskUserQuestion']);


/** Returns the changed record, or undefined when the input changes nothing. Ended sessions stay as they are. */
export function transition(record: SessionRecord, input: StatusInput): SessionRecord | undefined {
  if (isEnded(record)) return undefined;
  const next: SessionRecord = { ...record };
  switch (input.kind) {
    case 'hook':
      applyHook(next, input.event);
      break;
    case 'exit':
      end(next, input.at, input.exitCode, input.exitCode === null && input.cleanExit ? 'screen' : 'exit');
      break;
    case 'vanished':
      if (next.settingUp) {
        // Its engine went away (a window closed, a crash) while making its worktree: no agent ever ran.
        set(next, 'error', 'reconcile', input.at, 'its worktree was being set up when the window that did it closed; the worktree is kept');
        next.endedAt = input.at;
        next.exitCode = null;
        next.settingUp = undefined;
      } else if (next.killRequested || next.budgetExceeded) end(next, input.at, null);
      else if (next.endReason !== undefined && CLEAN_END_REASONS.has(next.endReason)) end(next, input.at, null, 'hook');
      else {
        set(next, 'lost', 'reconcile', input.at, `the tmux session vanished without an exit being seen${next.endReason ? ` (the agent ended: ${next.endReason})` : ''}`);
        next.endedAt = input.at;
        next.exitCode = null;
      }
      break;
    case 'killed':
      next.killRequested = true;
      end(next, input.at, null, 'user');
      break;
    case 'answered':
      // A tool allowed runs now: running until its own hooks say more (PostToolUse, Stop), where the
      // screen may show an empty input box for a moment first. A refusal or a chosen answer is left to
      // the hooks and the screen, which tell whether the turn goes on.
      // A wait that began after the answer was asked for is another dialog's.
      if (next.status === 'waiting' && next.statusSince <= input.askedAt && input.outcome === 'allowed' && !next.endedAt) set(next, 'running', 'user', input.at, 'dialog answered; the tool runs');
      break;
    case 'screen':
      // A screen older than what a hook said is not news: it would turn an idle session running again.
      if (record.statusSignal === 'hook' && input.at < record.statusSince) return undefined;
      switch (screenRole(record)) {
        case 'turns':
          applyClaudeScreen(next, input.screen, input.at, input.quietMs);
          break;
        case 'dialogs':
          // Its turns are told by its hooks; its screen only by a dialog that waits for the user, and
          // by a turn a refusal ended (Gemini CLI tells no hook of it).
          if (needsUser(input.screen.kind)) set(next, 'waiting', 'screen', input.at, input.screen.detail);
          else if (next.status === 'waiting' && input.screen.kind === 'idle' && input.screen.turnEnd === 'interrupted') {
            clearTool(next);
            set(next, 'idle', 'screen', input.at, 'interrupted');
          }
          break;
        default:
          applyGenericScreen(next, input.screen, input.at, input.quietMs);
      }
      break;
  }
  return changed(record, next) ? next : undefined;
}

/** What the screen decides for a session: an adopted one has no hooks, and Claude Code's screen tells its turns either way. */
function screenRole(record: SessionRecord): AgentKindFacts['screenFor'] {
  const { screenFor } = kindFacts(record.agentKind);
  return record.adopted && screenFor === 'dialogs' ? 'everything' : screenFor;
}

function applyHook(next: SessionRecord, event: HookEvent): void {
  if (event.order !== '' && (next.eventCursor === undefined || event.order > next.eventCursor)) next.eventCursor = event.order;
  // What another engine of the workspace did: its end is then read as it is by the engine that did it.
  if (event.name === 'instar:kill') next.killRequested = true;
  else if (event.name === 'instar:end-idle') next.endedWhenIdle = true;
  else if (event.name === 'instar:budget') next.budgetExceeded = event.message ?? 'budget';
  if (isEngineEvent(event)) return;
  next.lastEvent = event.name;
  next.lastEventAt = event.at;
  if (event.claudeSessionId) next.claudeSessionId = event.claudeSessionId;
  if (event.transcriptPath) next.transcriptPath = event.transcriptPath;
  const at = event.at;
  switch (event.name) {
    case 'SessionStart':
      if (event.source === 'clear') set(next, 'idle', 'hook', at);
      else if (next.status === 'starting' || (next.status === 'waiting' && next.statusSignal === 'screen')) {
        // With a prompt, the turn starts right away: stay "starting" until UserPromptSubmit.
        if (expectsPrompt(next)) set(next, 'starting', 'hook', at, event.source === 'resume' ? 'conversation resumed' : 'agent started');
        else set(next, 'idle', 'hook', at);
      }
      break;
    case 'UserPromptSubmit':
      next.lastPromptAt = event.at;
      next.pendingPrompt = undefined;
      clearTool(next);
      set(next, 'running', 'hook', at);
      break;
    case 'PreToolUse':
      next.toolPending = event.toolName ?? 'tool';
      next.toolAsk = event.toolAsk;
      next.toolDialogSeen = undefined;
      if (event.toolName && TOOLS_THAT_ASK.has(event.toolName)) set(next, 'waiting', 'hook', at, 'question');
      else set(next, 'running', 'hook', at);
      break;
    case 'PermissionRequest':
      if (event.toolAsk) next.toolAsk = event.toolAsk;
      set(next, 'waiting', 'hook', at, `permission: ${event.toolName ?? 'tool'}`);
      break;
    case 'PermissionDenied':
      // Auto mode refused a tool call (2.1.260 on): the turn goes on without it.
      clearTool(next);
      set(next, 'running', 'hook', at);
      break;
    case 'PostToolUse':
    case 'PostToolUseFailure':
      next.toolCalls = (next.toolCalls ?? 0) + 1;
      clearTool(next);
      set(next, 'running', 'hook', at);
      break;
    case 'ElicitationResult':
      clearTool(next);
      set(next, 'running', 'hook', at);
      break;
    case 'Elicitation':
      set(next, 'waiting', 'hook', at, 'question from an MCP server');
      break;
    case 'Notification':
      if (event.notificationType === 'permission_prompt' || event.notificationType === 'elicitation_dialog') {
        if (next.status !== 'waiting') set(next, 'waiting', 'hook', at, event.notificationType === 'permission_prompt' ? 'permission' : 'question');
      } else if (event.notificationType === 'agent_needs_input') {
        // 2.1.332: a choice only the user can make (auto mode's check, a background session's question).
        if (next.status !== 'waiting') set(next, 'waiting', 'hook', at, 'needs input');
      } else if (event.notificationType === 'idle_prompt') {
        if (next.status === 'running') set(next, 'idle', 'hook', at);
      }
      break;
    case 'Stop':
      clearTool(next);
      next.turns = (next.turns ?? 0) + 1;
      next.lastAnswer = event.answer?.slice(0, ANSWER_PREVIEW_CHARS);
      set(next, 'idle', 'hook', at);
      break;
    case 'StopFailure':
      clearTool(next);
      next.turns = (next.turns ?? 0) + 1;
      if (event.error === 'authentication_failed') set(next, 'waiting', 'hook', at, NOT_LOGGED_IN_DETAIL);
      else set(next, 'error', 'hook', at, rateLimitDetail(event.error, event.answer) ?? `API error${event.error ? `: ${event.error}` : ''}`);
      break;
    case 'SessionEnd':
      next.endReason = event.reason ?? 'other';
      break;
  }
}

function applyClaudeScreen(next: SessionRecord, screen: ScreenState, at: number, quietMs: number): void {
  const toolDialog = next.status === 'waiting' && next.statusSignal === 'hook' && next.toolPending !== undefined;
  if (needsUser(screen.kind)) {
    // The dialog a hook announced, now drawn: the hook's reading stands (it names the tool), so
    // that only the tool's own hooks, or a screen that says the turn ended, end the wait.
    if (toolDialog) next.toolDialogSeen = true;
    else set(next, 'waiting', 'screen', at, screen.detail);
    return;
  }
  switch (screen.kind) {
    case 'working':
      // A spinner read before the dialog a hook announced was drawn is the screen lagging (under
      // load); read after it, the dialog was answered (in the terminal) and the tool runs.
      if (toolDialog && !next.toolDialogSeen) break;
      // An idle that a hook said (Stop) is left to the hooks: a new turn says UserPromptSubmit, and
      // under load the spinner stays on the screen for a while after the Stop hook ran.
      if (next.status === 'waiting' || next.status === 'starting' || (next.status === 'idle' && next.statusSignal !== 'hook')) set(next, 'running', 'screen', at);
      break;
    case 'idle':
      if (screen.turnEnd === 'context-limit' && (next.status === 'starting' || next.status === 'running')) {
        set(next, 'error', 'screen', at, 'Claude Code refused the prompt: context limit reached');
        next.pendingPrompt = undefined;
      } else if (screen.turnEnd === 'rate-limited' && next.status === 'running' && quietMs >= CLAUDE_QUIET_MS) {
        set(next, 'error', 'screen', at, rateLimitDetail(undefined, screen.detail) ?? 'rate limited');
      } else if (next.status === 'waiting') {
        // A tool's dialog a hook announced (a permission, a question) ends by the tool's hooks, or on a
        // screen that says the turn was refused or interrupted: an input box captured before the
        // dialog was drawn (under load) is not its end.
        if (next.statusSignal === 'hook' && next.toolPending !== undefined && screen.turnEnd === undefined) return;
        // Not logged in: its prompt box shows, and it waits for a login all the same.
        if (next.statusDetail === NOT_LOGGED_IN_DETAIL) return;
        // A dialog before the prompt was taken (trust this folder): answered, the prompt comes next.
        if (awaitsItsPrompt(next)) set(next, 'starting', 'screen', at, 'dialog answered; Claude Code takes the prompt next');
        else set(next, 'idle', 'screen', at);
      }
      else if (next.status === 'running' && quietMs >= CLAUDE_QUIET_MS && ((next.statusSignal !== 'hook' && next.statusSignal !== 'user') || screen.turnEnd !== undefined)) {
        // After a hook said running (or an answer let a tool run), only a screen that says how the
        // turn ended ends it: under load an empty box shows for a while after the prompt was taken,
        // before the spinner.
        set(next, 'idle', 'screen', at, screen.turnEnd === 'returned' ? 'turn interrupted, its prompt back in the input box (no Stop event)' : 'turn interrupted (no Stop event)');
      }
      else if (next.status === 'starting' && !next.pendingPrompt && !expectsPrompt(next)) set(next, 'idle', 'screen', at);
      else if (next.status === 'starting' && !next.pendingPrompt && expectsPrompt(next) && at - next.statusSince >= SLOW_START_MS) {
        // An empty input box is not idle before the prompt was taken (under load it is drawn well
        // before): starting, however long it takes, saying so.
        set(next, 'starting', next.statusSignal, at, 'Claude Code has not taken the prompt yet');
      }
      break;
  }
}

function applyGenericScreen(next: SessionRecord, screen: ScreenState, at: number, quietMs: number): void {
  if (needsUser(screen.kind)) set(next, 'waiting', 'screen', at, screen.detail);
  else if (screen.kind === 'working') set(next, 'running', 'screen', at);
  else if (screen.kind === 'idle') set(next, 'idle', 'screen', at);
  else set(next, quietMs >= QUIET_MS ? 'idle' : 'running', 'activity', at);
}

/** A run that starts with a prompt to take: the spawn's prompt, or a resume's text (pasted once it is back). */
function expectsPrompt(record: SessionRecord): boolean {
  return (record.runs ?? 1) > 1 ? record.pendingPrompt === true : record.promptBytes > 0;
}

/** A run whose prompt (or resume text) Claude Code has not taken yet: a resume's is pending until taken. */
function awaitsItsPrompt(record: SessionRecord): boolean {
  return expectsPrompt(record) && ((record.runs ?? 1) > 1 || record.lastPromptAt === undefined);
}

function end(next: SessionRecord, at: number, exitCode: number | null, signal: StatusSignal = 'exit'): void {
  next.endedAt = at;
  next.exitCode = exitCode;
  clearTool(next);
  next.pendingPrompt = undefined;
  if (next.killRequested) set(next, 'killed', signal === 'exit' ? 'exit' : 'user', at);
  else if (next.budgetExceeded) set(next, 'error', signal, at, next.budgetExceeded);
  else if (exitCode === 0 || (exitCode === null && (signal === 'hook' || signal === 'screen'))) {
    const how = signal === 'screen' ? 'exited; its status unknown, its screen says it ended cleanly' : `exited (${next.endReason})`;
    set(next, 'completed', signal, at, next.endedWhenIdle ? 'ended when idle' : exitCode === null ? how : undefined);
  }
  else set(next, 'error', signal, at, exitCode === null ? 'exited; tmux did not learn its exit status' : exitCode > 128 ? `killed by signal ${exitCode - 128}` : exitStatusText(exitCode));
}

/** No tool call is pending any more. */
function clearTool(next: SessionRecord): void {
  next.toolPending = undefined;
  next.toolAsk = undefined;
  next.toolDialogSeen = undefined;
}

function set(next: SessionRecord, status: SessionStatus, signal: StatusSignal, at: number, detail?: string): void {
  if (next.status !== status) {
    next.status = status;
    next.statusSince = at;
  }
  next.statusSignal = signal;
  next.statusDetail = detail;
}

function changed(before: SessionRecord, after: SessionRecord): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]) as Set<keyof SessionRecord>;
  for (const key of keys) if (before[key] !== after[key]) return true;
  return false;
}
