/** A session as the API shows it: Instar's fields, and what this product adds (the state's source, turns, label). */
import { idleEndAt, SessionRecord, SessionStatus } from '../model/sessionRecord';
import type { SessionEngine } from '../sessions/sessionEngine';

export interface ApiSession {
  name: string;
  status: SessionStatus;
  model: string;
  prompt: string;
  jobSlug: string | null;
  /** Sessions spawned together (a batch, Spawn Sessions in Parallel) share it. */
  label: string | null;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  tmuxSession: string;
  claudeSessionId: string | null;
  cwd: string;
  statusSince: string;
  statusSource: string;
  statusDetail: string | null;
  /** The Claude Code version that runs it, when known. */
  agentVersion: string | null;
  /** How many times it was started (1, and one more at each resume). */
  runs: number;
  /** How many turns ended (GET …/result has the last one's answer). */
  turns: number;
  /** When it ends by itself if it stays idle, when it will. */
  endsWhenIdleAt: string | null;
}

export function toApiSession(record: SessionRecord): ApiSession {
  const endsAt = idleEndAt(record);
  return {
    name: record.name,
    status: record.status,
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
    endsWhenIdleAt: endsAt === undefined ? null : new Date(endsAt).toISOString(),
  };
}

/** A session, with the dialog it shows when it waits for one (which dialog, and its options). */
export async function withDialog(engine: Pick<SessionEngine, 'dialog'>, record: SessionRecord): Promise<ApiSession & { dialog?: unknown }> {
  const session = toApiSession(record);
  if (record.status !== 'waiting') return session;
  const dialog = await engine.dialog(record.name).catch(() => undefined);
  return { ...session, dialog: dialog ?? null };
}
