/** The record the engine keeps for each session: plain data, stored as JSON. */
import type { PermissionMode } from './permissionMode';
import type { SessionUsage, UsageCursor } from './usage';
import type { SessionWorktree, WorktreeChangeCounts } from './worktree';

export type SessionStatus = 'starting' | 'running' | 'idle' | 'waiting' | 'completed' | 'error' | 'killed' | 'lost';

export const SESSION_STATUSES: readonly SessionStatus[] = [
  'starting',
  'running',
  'idle',
  'waiting',
  'completed',
  'error',
  'killed',
  'lost',
];

/** What decided the current status. */
export type StatusSignal = 'spawn' | 'hook' | 'exit' | 'screen' | 'activity' | 'user' | 'reconcile';

/** Which agent CLI a session runs: Claude Code, Codex, Gemini CLI, or any other program (screen and exit only). */
export type AgentKind = 'claude' | 'codex' | 'gemini' | 'other';

export const AGENT_KINDS: readonly AgentKind[] = ['claude', 'codex', 'gemini', 'other'];

/** A kind as a record or a tag of any version says it ("generic" before Gemini CLI came: "other" now). */
export function agentKindFrom(text: unknown): AgentKind {
  return (AGENT_KINDS as readonly unknown[]).includes(text) ? (text as AgentKind) : 'other';
}

export interface SessionRecord {
  /** The session's name; also its tmux session name. */
  readonly name: string;
  /** A fresh UUID per spawn; also given to claude as --session-id. */
  readonly id: string;
  status: SessionStatus;
  /** Epoch milliseconds since which the status holds. */
  statusSince: number;
  statusSignal: StatusSignal;
  /** A short reason: "permission_prompt", "exit 1", "trust dialog"… */
  statusDetail?: string;

  readonly model: string;
  /** The prompt, or its first part when it is long (see promptBytes). */
  readonly prompt: string;
  readonly promptBytes: number;
  readonly jobSlug?: string;
  /** Sessions spawned together share this (their notifications come as one). */
  readonly batch?: string;
  /** The session whose agent spawned this one (through the API), if one did. */
  readonly parent?: string;
  /** How deep in a chain of agents spawning agents: 1 for a child of a person's or a job's session. */
  readonly depth?: number;
  /** Where the agent runs: the folder spawned in, or the matching folder of its worktree. */
  cwd: string;
  readonly permissionMode: PermissionMode;
  readonly agentKind: AgentKind;
  readonly agentCommand: string;
  /** The Claude Code version that runs it ("2.1.332"), when it could be told. */
  readonly agentVersion?: string;

  readonly createdAt: number;
  endedAt?: number;
  exitCode?: number | null;

  readonly tmuxSocket: string;
  readonly tmuxSession: string;
  paneId?: string;
  panePid?: number;

  claudeSessionId?: string;
  transcriptPath?: string;
  /** The prompt is too long for argv and waits to be pasted once the agent is ready. */
  pendingPrompt?: boolean;
  /** When Claude Code last took a prompt (UserPromptSubmit). */
  lastPromptAt?: number;
  /** The last hook event seen, for the tooltip and the API. */
  lastEvent?: string;
  lastEventAt?: number;
  /** SessionEnd was seen: the agent said it is exiting. */
  endReason?: string;
  /** kill was asked for: the end is a kill, whatever exit status follows. */
  killRequested?: boolean;
  /** A tool call is between PreToolUse and PostToolUse. */
  toolPending?: string;
  /** What the pending tool call asks to do (its command, file, address or question), from its hook. */
  toolAsk?: string;
  /**
   * The dialog of the pending tool call (its permission or question), announced by a hook, has been
   * seen drawn: a spinner read before that is the screen lagging behind, one read after it is the
   * dialog answered.
   */
  toolDialogSeen?: boolean;
  /** How many tool calls ran (PostToolUse, PostToolUseFailure), over every run: an answer "No" checks none ran after it. */
  toolCalls?: number;
  /**
   * End when idle: once a turn has ended and the session stays idle this long with nobody there
   * (no client attached, no input on its way), Claude Code is ended as /exit does. 0 or absent: never.
   */
  idleLimitMs?: number;
  /** The engine ended it for being idle past its limit. */
  endedWhenIdle?: boolean;
  /** A client is attached (an editor terminal, `tmux attach`), as the last listing saw: it does not end when idle meanwhile. */
  attached?: boolean;
  /** When the last client went: its idle limit counts from then, so a session is not ended the moment someone stops looking. */
  detachedAt?: number;
  /** How many times it was started: 1 at spawn, one more at each resume. */
  runs?: number;
  /** When it was last resumed. */
  resumedAt?: number;
  /** Started outside Instar and adopted: no hooks, so its state comes from the screen and its exit. */
  adopted?: boolean;
  /** How many turns ended (Stop or StopFailure), over every run. */
  turns?: number;
  /** The start of the last turn's answer (the whole one: SessionResults). */
  lastAnswer?: string;
  /** Tokens, cost and context, from its transcript and Claude Code's status line. */
  usage?: SessionUsage;
  /** How far its usage was read (this engine's; another engine reads the same files itself). */
  usageCursor?: UsageCursor;
  /** The most it may cost, in USD: at 80 % a warning, at the limit it is interrupted and ends as an error. */
  budgetUsd?: number;
  /** The warning at 80 % of a budget was given. */
  budgetWarned?: boolean;
  /** The warning that a budget cannot hold over a model with no price was given. */
  budgetUnpricedWarned?: boolean;
  /** Stopped for a budget: what was spent of which limit (its end is an error with this detail). */
  budgetExceeded?: string;
  /** The git worktree the session runs in (its own folder and branch), if it was spawned in one. */
  worktree?: SessionWorktree;
  /** What it changed there against its base, as last counted. */
  worktreeChanges?: WorktreeChangeCounts;
  /** Its worktree and branch were removed (discarded): the record only remembers them. */
  worktreeDiscarded?: boolean;
  /** The engine (its id) that is making the session's worktree and running its set-up command: no agent runs yet. */
  settingUp?: string;
  /** The order key of the last event applied (see eventOrder): events read again are not applied twice. */
  eventCursor?: string;
  /** Grows by one at every change: a writer never replaces a record with an older one. */
  rev?: number;
}

export const isEnded = (record: Pick<SessionRecord, 'endedAt'>): boolean => record.endedAt !== undefined;

/** How much of the last answer a record keeps (tooltip, lists); the whole answer is in its events. */
export const ANSWER_PREVIEW_CHARS = 500;

/** Whether a session is doing or asking something, as opposed to idle or ended. */
export const isWorking = (record: Pick<SessionRecord, 'status'>): boolean => record.status === 'starting' || record.status === 'running' || record.status === 'waiting';

type IdleFields = Pick<SessionRecord, 'status' | 'statusSince' | 'idleLimitMs' | 'lastPromptAt' | 'agentKind' | 'endedAt' | 'attached' | 'detachedAt'>;

/** Whether the session ends by itself once idle past its limit (a Claude Code session whose turn ended, with a limit). */
export function endsWhenIdle(record: IdleFields): boolean {
  return record.status === 'idle' && !!record.idleLimitMs && record.lastPromptAt !== undefined && record.agentKind !== 'other' && record.endedAt === undefined;
}

/** When an idle session will be ended for being idle, if it will: its limit after it went idle or its last client went, whichever is later; never while one is attached. */
export function idleEndAt(record: IdleFields): number | undefined {
  if (!endsWhenIdle(record) || record.attached) return undefined;
  return Math.max(record.statusSince, record.detachedAt ?? 0) + record.idleLimitMs!;
}

/** Counts of sessions in each status. */
export function countByStatus(records: readonly Pick<SessionRecord, 'status'>[]): Record<SessionStatus, number> {
  const counts = Object.fromEntries(SESSION_STATUSES.map((status) => [status, 0])) as Record<SessionStatus, number>;
  for (const record of records) counts[record.status] += 1;
  return counts;
}

/** "exit status N", or undefined when no exit status is known. */
export function exitStatusText(exitCode: number | null | undefined): string | undefined {
  return exitCode === undefined || exitCode === null ? undefined : `exit status ${exitCode}`;
}

/** How a session ended, for messages: "error, exit status 1", "killed". */
export function endSummary(record: Pick<SessionRecord, 'status' | 'exitCode'>): string {
  const exit = exitStatusText(record.exitCode);
  return exit ? `${record.status}, ${exit}` : record.status;
}

/**
 * An ended session's record as a new run of it starts (a resume): live again, `starting`, with
 * what belonged to the last run's end cleared.
 */
export function newRun(
  record: SessionRecord,
  run: { runs: number; at: number; signal: StatusSignal; detail: string; pendingPrompt?: boolean; agentVersion?: string },
): SessionRecord {
  return {
    ...record,
    status: 'starting',
    statusSince: run.at,
    statusSignal: run.signal,
    statusDetail: run.detail,
    endedAt: undefined,
    exitCode: undefined,
    endReason: undefined,
    killRequested: undefined,
    endedWhenIdle: undefined,
    toolPending: undefined,
    toolAsk: undefined,
    toolDialogSeen: undefined,
    paneId: undefined,
    panePid: undefined,
    pendingPrompt: run.pendingPrompt || undefined,
    agentVersion: run.agentVersion ?? record.agentVersion,
    runs: run.runs,
    resumedAt: run.at,
  };
}

/**
 * A turn Claude Code refused for want of a login (StopFailure authentication_failed, "Not logged
 * in · Please run /login" on screen): the session waits for a person, at its prompt, until it
 * takes a prompt again.
 */
export const NOT_LOGGED_IN_DETAIL = 'not logged in: log in to Claude Code (Log In to Claude Code), then send the prompt again';
