/** What the engine is built with, and what callers hand it. */
import type { PermissionMode } from '../model/permissionMode';
import type { AgentKind } from '../model/sessionRecord';
import type { CommandRunner } from '../util/commandRunner';
import type { TmuxServerSettings } from '../tmux/tmuxServers';
import type { Clock, Logger, Storage } from '../util/host';
import type { PriceOverrides } from '../usage/priceTable';
import type { WorktreeRequest, WorktreeSetup } from './sessionWorktrees';

export interface EngineOptions {
  /** Folder for hook events, generated settings and output snapshots. */
  stateDir: string;
  storage: Storage;
  /**
   * Which workspace the engine works for, as tagged on its tmux sessions: engines with the same
   * key (windows of one workspace) share their sessions. Default: one per state folder.
   */
  workspaceKey?: string;
  /**
   * The workspace's name as `tmux ls` shows it (the folder's name): its sessions run in tmux as
   * `<label>-<4 hex of the key>/<name>`, so two workspaces on one server can use the same names.
   */
  workspaceLabel?: string;
  /** tmux -L socket name; '' for the user's default server. */
  socket: string;
  tmuxBinary?: string;
  tmuxTimeoutMs?: number;
  /** The default agent kind's program (default "claude"; see agentChoice.ts). */
  agentCommand?: string;
  /** The kind a spawn that names none starts (default: the kind of agentCommand's program). */
  defaultAgent?: AgentKind;
  /** Each kind's program and arguments, where not its own name on PATH (and, for the default kind, agentCommand and agentArgs). */
  agentPrograms?: Partial<Record<AgentKind, { command?: string; args?: string[] }>>;
  /** Variables every agent gets (API endpoint, INSTAR_SERVER_URL…). */
  agentEnv?: Record<string, string>;
  /** The `instar` command put on every agent's PATH: a JavaScript runtime (Node, or Electron run as Node) and the CLI's script. */
  cli?: { runtime: string; script: string };
  /** Live sessions of the workspace at most, and how deep agents may spawn agents (see spawnLimits.ts; undefined or 0: no limit). */
  maxLiveSessions?: number;
  maxSpawnDepth?: number;
  /** Ended sessions kept in the registry while this engine leads; older ones are forgotten as Remove does (undefined or 0: every one kept). */
  keepEnded?: number;
  /** Every session gets Instar's MCP server (`instar mcp` of `cli`), unless false. */
  mcpServer?: boolean;
  /** Arguments every agent gets before the per-spawn ones. */
  agentArgs?: string[];
  defaultModel?: string;
  defaultPermissionMode?: PermissionMode;
  /** The idle limit of sessions whose spawn gives none, in ms (0: they never end by themselves). */
  defaultIdleLimitMs?: number;
  /** The most a session may cost unless its spawn says otherwise, in USD (undefined: no limit). */
  defaultBudgetUsd?: number;
  /** The most the workspace's sessions may cost in a local day, in USD (undefined: no limit). */
  dailyBudgetUsd?: number;
  /** Prices that replace or add to the price table's, by model id (or part of one), USD per million tokens. */
  prices?: PriceOverrides;
  /** Where sessions' git worktrees go, outside the workspace (default: `<stateDir>/worktrees`). */
  worktreeRoot?: string;
  /** What a new worktree gets before its agent starts: set-up files and a set-up command. */
  worktreeSetup?: WorktreeSetup;
  /** The git program (default "git" on PATH). */
  gitPath?: string;
  /** How often live sessions are checked, in ms; 0 stops the timer (refresh() still works). */
  monitorIntervalMs?: number;
  width?: number;
  height?: number;
  historyLimit?: number;
  /** Pause between typed text and the Enter that submits it. */
  submitDelayMs?: number;
  logger?: Logger;
  clock?: Clock;
  /** Runs tmux (execFile: the hot path). */
  runner?: CommandRunner;
  /** Runs every other program: version probes, mkfifo (execa). */
  toolRunner?: CommandRunner;
}

/** The options that can change while the engine runs (from settings); they apply to later spawns. */
export type EngineSettings = Pick<
  EngineOptions,
  'socket' | 'agentCommand' | 'defaultAgent' | 'agentPrograms' | 'agentEnv' | 'mcpServer' | 'maxLiveSessions' | 'maxSpawnDepth' | 'keepEnded' | 'agentArgs' | 'defaultModel' | 'defaultPermissionMode' | 'defaultIdleLimitMs' | 'tmuxBinary' | 'dailyBudgetUsd' | 'defaultBudgetUsd' | 'prices' | 'worktreeSetup' | 'gitPath' | 'worktreeRoot'
>;

export interface SpawnRequest {
  name: string;
  /** The agent CLI to start: claude, codex, gemini or other (default: the workspace's). */
  agent?: AgentKind;
  prompt?: string;
  model?: string;
  cwd: string;
  jobSlug?: string;
  /** Shared by sessions spawned together (lower-case letters, digits and "-"). */
  batch?: string;
  /** The session whose agent asks for this one (the API's caller), for the chain's depth. */
  parent?: string;
  permissionMode?: PermissionMode;
  extraArgs?: string[];
  env?: Record<string, string>;
  /** End the session once it has been idle this long after a turn (ms; 0 never; default from the settings). */
  idleLimitMs?: number;
  /** The most the session may cost, in USD (0 or absent: no limit). */
  budgetUsd?: number;
  /** Run it in a git worktree of its own: true (a new branch instar/<name> from HEAD), a branch, or { branch, base }. */
  worktree?: WorktreeRequest;
}

export interface OutputRequest {
  /** 1–10000, default 100; a whole number or its decimal text (from a query string). */
  lines?: number | string;
  /** Keep colours as ANSI escapes. */
  ansi?: boolean;
}

/** The agent program, "claude" unless set. */
export const agentCommandOf = (options: Pick<EngineOptions, 'agentCommand'>): string => options.agentCommand ?? 'claude';

/** The tmux server the options name: its socket, program and time-out. */
export const tmuxSettingsOf = (options: Pick<EngineOptions, 'socket' | 'tmuxBinary' | 'tmuxTimeoutMs'>): TmuxServerSettings => ({ socket: options.socket, binary: options.tmuxBinary, timeoutMs: options.tmuxTimeoutMs });
