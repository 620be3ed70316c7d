/**
 * The tags that make tmux the record of what runs: user options on each session Instar starts,
 * set in the same tmux call that creates it, so no crash can leave a session without them.
 * `@instar-id`, `@instar-ws`, `@instar-run` and `@instar-state` ride in every `list-panes`
 * (short); the rest of what rebuilds a record sits in `@instar-record` (JSON, ASCII only), read
 * only when some engine finds a session it has no record of. `@instar-state` is the session's
 * state and cost as its workspace's leader last saw them, for the other workspaces on the server.
 */
import * as tmux from './commands';

export const TAG_ID = '@instar-id';
export const TAG_WORKSPACE = '@instar-ws';
export const TAG_RUN = '@instar-run';
export const TAG_RECORD = '@instar-record';
export const TAG_STATE = '@instar-state';

/** The prompt shown in a record rebuilt from tags is cut to this many characters. */
export const TAGGED_PROMPT_CHARS = 200;

/** What a tag holds to rebuild a session's record; plain data. */
export interface TaggedRecord {
  v: 1;
  id: string;
  name: string;
  model: string;
  cwd: string;
  /** The first TAGGED_PROMPT_CHARS characters of the prompt. */
  prompt: string;
  promptBytes: number;
  jobSlug?: string;
  batch?: string;
  parent?: string;
  depth?: number;
  permissionMode: string;
  agentKind: string;
  agentCommand: string;
  agentVersion?: string;
  createdAt: number;
  idleLimitMs?: number;
  claudeSessionId?: string;
  runs: number;
  resumedAt?: number;
  adopted?: boolean;
  budgetUsd?: number;
  /** The session's git worktree (its set-up files cut to TAGGED_SETUP_FILES). */
  worktree?: { path: string; branch: string; base: string; baseCommit: string; repoRoot: string; ownsBranch: boolean; setupFiles?: readonly string[] };
}

/** A worktree's set-up files kept in a tag, at most: the tag rides in the one tmux message that creates the session. */
export const TAGGED_SETUP_FILES = 20;

/** The tags of a session in a listing. */
export interface PaneTags {
  id: string | undefined;
  workspace: string | undefined;
  run: number | undefined;
  /** `@instar-state`: "<status> <cost in USD>", as the workspace's leader last published it. */
  state: string | undefined;
}

/** A session's state as its workspace's leader publishes it for the others on the server. */
export interface PublishedState {
  status: string;
  costUsd: number | undefined;
}

/** The cost as it is, not rounded: other windows show what the session's own shows (two significant digits under a cent). */
export function encodeStateTag(state: PublishedState): string {
  return state.costUsd === undefined ? state.status : `${state.status} ${String(state.costUsd)}`;
}

/** The state a tag holds; undefined for an empty or damaged one. */
export function decodeStateTag(text: string | undefined): PublishedState | undefined {
  const match = text === undefined ? null : /^([a-z]+)(?: (\d+(?:\.\d+)?(?:e-\d+)?))?$/.exec(text.trim());
  if (!match) return undefined;
  return { status: match[1], costUsd: match[2] === undefined ? undefined : Number(match[2]) };
}

/** Sets a session's published state. */
export const setStateTag = (sessionName: string, state: PublishedState): tmux.TmuxArgs => tmux.setSessionOption(tmux.sessionPane(sessionName), TAG_STATE, encodeStateTag(state));

/** JSON with every non-ASCII character escaped: tmux prints option values as they are. */
export function encodeRecordTag(record: TaggedRecord): string {
  return JSON.stringify(record).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The record a tag holds, or undefined when it is not one (damaged, another version, empty). */
export function decodeRecordTag(text: string): TaggedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<TaggedRecord>;
  const strings = [record.id, record.name, record.model, record.cwd, record.prompt, record.permissionMode, record.agentKind, record.agentCommand];
  if (record.v !== 1 || strings.some((s) => typeof s !== 'string') || typeof record.createdAt !== 'number' || typeof record.promptBytes !== 'number') return undefined;
  return { ...record, runs: typeof record.runs === 'number' && record.runs >= 1 ? record.runs : 1 } as TaggedRecord;
}

/** The commands that tag a session: run in the same tmux call as the one that creates it. */
export function tagCommands(sessionName: string, workspace: string, record: TaggedRecord): tmux.TmuxArgs[] {
  // tmux 3.3a finds no session "=name" for set-option; "=name:" (its active pane's session) it does.
  const target = tmux.sessionPane(sessionName);
  return [
    tmux.setSessionOption(target, TAG_ID, record.id),
    tmux.setSessionOption(target, TAG_WORKSPACE, workspace),
    tmux.setSessionOption(target, TAG_RUN, String(record.runs)),
    tmux.setSessionOption(target, TAG_RECORD, encodeRecordTag(record)),
  ];
}

/** Reads the record tag of one session. */
export const showRecordTag = (sessionName: string): tmux.TmuxArgs => ['show-options', '-qv', '-t', tmux.sessionPane(sessionName), TAG_RECORD];
