/**
 * Between a session's record and its tmux tags: what a tag keeps of a record, and the record an
 * engine rebuilds from the tags of a session that it did not start (another window's, or its
 * own from before a crash).
 */
import { createHash } from 'node:crypto';
import type { PermissionMode } from '../model/permissionMode';
import { agentKindFrom, SessionRecord } from '../model/sessionRecord';
import { TaggedRecord, TAGGED_PROMPT_CHARS, TAGGED_SETUP_FILES } from '../tmux/sessionTags';
import type { EngineOptions } from './engineOptions';

/** The workspace an engine works for: given, or one per state folder (VS Code gives one per workspace). */
export function workspaceKeyOf(options: Pick<EngineOptions, 'workspaceKey' | 'stateDir'>): string {
  return options.workspaceKey ?? createHash('sha256').update(options.stateDir).digest('hex').slice(0, 16);
}

/** The longest workspace label a tmux name carries. */
const LABEL_CHARS = 24;

/**
 * The tmux session of `name` in this workspace: `<label>-<4 hex of its key>/<name>`. The label (the
 * folder's name, lower-case letters, digits and "-") tells a person the project in `tmux ls`; the
 * key keeps two folders of the same name apart. Sessions started before this naming keep their
 * own (`record.tmuxSession`): nothing else ever builds a tmux name from a session's name.
 */
export function tmuxSessionName(options: Pick<EngineOptions, 'workspaceKey' | 'stateDir' | 'workspaceLabel'>, name: string): string {
  const label =
    (options.workspaceLabel ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, LABEL_CHARS)
      .replace(/-+$/, '') || 'instar';
  return `${label}-${workspaceKeyOf(options).slice(0, 4)}/${name}`;
}

export function taggedRecordOf(record: SessionRecord): TaggedRecord {
  return {
    v: 1,
    id: record.id,
    name: record.name,
    model: record.model,
    cwd: record.cwd,
    prompt: record.prompt.slice(0, TAGGED_PROMPT_CHARS),
    promptBytes: record.promptBytes,
    jobSlug: record.jobSlug,
    batch: record.batch,
    parent: record.parent,
    depth: record.depth,
    permissionMode: record.permissionMode,
    agentKind: record.agentKind,
    agentCommand: record.agentCommand,
    agentVersion: record.agentVersion,
    createdAt: record.createdAt,
    idleLimitMs: record.idleLimitMs,
    claudeSessionId: record.claudeSessionId,
    runs: record.runs ?? 1,
    resumedAt: record.resumedAt,
    adopted: record.adopted,
    budgetUsd: record.budgetUsd,
    worktree: record.worktree && { ...record.worktree, setupFiles: record.worktree.setupFiles?.slice(0, TAGGED_SETUP_FILES) },
  };
}

/** A record for a tagged session this engine had none of (tmux's name for it: `tmuxSession`): starting, until its events and pane tell more. */
export function recordFromTag(tag: TaggedRecord, socket: string, tmuxSession: string, now: number): SessionRecord {
  return {
    name: tag.name,
    id: tag.id,
    status: tag.adopted ? 'running' : 'starting',
    statusSince: now,
    statusSignal: 'reconcile',
    statusDetail: 'found in tmux',
    model: tag.model,
    prompt: tag.prompt,
    promptBytes: tag.promptBytes,
    jobSlug: tag.jobSlug,
    batch: tag.batch,
    parent: tag.parent,
    depth: tag.depth,
    cwd: tag.cwd,
    permissionMode: tag.permissionMode as PermissionMode,
    agentKind: agentKindFrom(tag.agentKind),
    agentCommand: tag.agentCommand,
    agentVersion: tag.agentVersion,
    createdAt: tag.createdAt,
    tmuxSocket: socket,
    tmuxSession,
    claudeSessionId: tag.claudeSessionId,
    idleLimitMs: tag.idleLimitMs,
    runs: tag.runs,
    resumedAt: tag.resumedAt,
    adopted: tag.adopted,
    budgetUsd: typeof tag.budgetUsd === 'number' ? tag.budgetUsd : undefined,
    worktree: validTaggedWorktree(tag.worktree),
  };
}

/** A tag's worktree when it has every field a worktree needs (a damaged tag gives none). */
function validTaggedWorktree(worktree: TaggedRecord['worktree']): SessionRecord['worktree'] {
  if (!worktree || typeof worktree !== 'object') return undefined;
  const { path, branch, base, baseCommit, repoRoot, ownsBranch, setupFiles } = worktree;
  if (![path, branch, base, baseCommit, repoRoot].every((field) => typeof field === 'string') || typeof ownsBranch !== 'boolean') return undefined;
  return { path, branch, base, baseCommit, repoRoot, ownsBranch, setupFiles: Array.isArray(setupFiles) ? setupFiles.filter((file) => typeof file === 'string') : undefined };
}
