/** A session as the API shows it: Instar's fields, and what this product adds (the state's source, turns, label). */
import { AgentKind, idleEndAt, SessionRecord, SessionStatus } from '../model/sessionRecord';
import type { SessionUsage } from '../model/usage';
import { waitingAsk } from '../presentation/sessionPresentation';
import type { SessionEngine } from '../sessions/sessionEngine';

export interface ApiSession {
  name: string;
  status: SessionStatus;
  /** The agent CLI it runs: claude, codex, gemini or other. */
  agent: AgentKind;
  model: string;
  prompt: string;
  jobSlug: string | null;
  /** Sessions spawned together (a batch, Spawn Sessions in Parallel) share it. */
  label: string | null;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  tmuxSession: string;
  /** Its conversation in its agent CLI (Claude Code's, Codex's or Gemini CLI's id, whatever the name). */
  claudeSessionId: string | null;
  cwd: string;
  statusSince: string;
  statusSource: string;
  statusDetail: string | null;
  /** The version of the agent CLI that runs it, when known. */
  agentVersion: string | null;
  /** How many times it was started (1, and one more at each resume). */
  runs: number;
  /** How many turns ended (GET …/result has the last one's answer). */
  turns: number;
  /** How it asks before it runs tools (bypassPermissions: it does not). */
  permissionMode: string;
  /** What its pending tool call asks to do, while it waits for an answer (the command, the file, the question). */
  asks: string | null;
  /** Someone has it open (an editor terminal, `tmux attach`): it does not end when idle meanwhile. */
  attached: boolean;
  /** When it ends by itself if it stays idle, when it will (null while someone has it open: the count starts once they close it). */
  endsWhenIdleAt: string | null;
  /** Tokens, cost (USD, and whether Claude Code or the price table gave it) and context used, once known. */
  usage: ApiUsage | null;
  /** The most it may cost in USD, if limited. */
  budgetUsd: number | null;
  /** Its git worktree (own folder and branch) and what it changed there, if it runs in one. */
  worktree: { path: string; branch: string; base: string; files: number | null; added: number | null; removed: number | null; discarded: boolean } | null;
}

export interface ApiUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number;
  costSource: 'claude-code' | 'price-table';
  contextPercent: number | null;
  contextTokens: number | null;
  contextWindow: number | null;
  model: string | null;
}

export function toApiSession(record: SessionRecord): ApiSession {
  const endsAt = idleEndAt(record);
  return {
    name: record.name,
    status: record.status,
    agent: record.agentKind,
    model: record.model,
    prompt: record.prompt,
    jobSlug: record.jobSlug ?? null,
    label: record.batch ?? null,
    startedAt: new Date(record.createdAt).toISOString(),
    endedAt: record.endedAt === undefined ? null : new Date(record.endedAt).toISOString(),
    exitCode: record.exitCode ?? null,
    tmuxSession: record.tmuxSession,
    claudeSessionId: record.claudeSessionId ?? null,
    cwd: record.cwd,
    statusSince: new Date(record.statusSince).toISOString(),
    statusSource: record.statusSignal,
    statusDetail: record.statusDetail ?? null,
    agentVersion: record.agentVersion ?? null,
    runs: record.runs ?? 1,
    turns: record.turns ?? 0,
    permissionMode: record.permissionMode,
    asks: waitingAsk(record) ?? null,
    attached: record.attached ?? false,
    endsWhenIdleAt: endsAt === undefined ? null : new Date(endsAt).toISOString(),
    usage: record.usage ? apiUsage(record.usage) : null,
    budgetUsd: record.budgetUsd ?? null,
    worktree: record.worktree
      ? {
          path: record.worktree.path,
          branch: record.worktree.branch,
          base: record.worktree.base,
          files: record.worktreeChanges?.files ?? null,
          added: record.worktreeChanges?.added ?? null,
          removed: record.worktreeChanges?.removed ?? null,
          discarded: record.worktreeDiscarded === true,
        }
      : null,
  };
}

function apiUsage(usage: SessionUsage): ApiUsage {
  return {
    inputTokens: usage.tokens.input,
    outputTokens: usage.tokens.output,
    cacheReadTokens: usage.tokens.cacheRead,
    cacheCreationTokens: usage.tokens.cacheCreation,
    costUsd: usage.costUsd,
    costSource: usage.costSource === 'claude-code' ? 'claude-code' : 'price-table',
    contextPercent: usage.contextPercent ?? null,
    contextTokens: usage.contextTokens ?? null,
    contextWindow: usage.contextWindow ?? null,
    model: usage.model ?? null,
  };
}

/** A session, with the dialog it shows when it waits for one (which dialog, and its options). */
export async function withDialog(engine: Pick<SessionEngine, 'dialog'>, record: SessionRecord): Promise<ApiSession & { dialog?: unknown }> {
  const session = toApiSession(record);
  if (record.status !== 'waiting') return session;
  const dialog = await engine.dialog(record.name).catch(() => undefined);
  return { ...session, dialog: dialog ?? null };
}
