/**
 * The extension's settings as plain data, read from any source of `instar.*` values: VS Code's
 * configuration in a window, a window's copy or the workspace's `.vscode/settings.json` in the
 * keeper. Out-of-range values are brought into range; a wrong price table is left out.
 */
import { NOTIFY_KINDS } from '../model/notifyKind';
import type { PermissionMode } from '../model/permissionMode';
import { AGENT_KINDS, AgentKind } from '../model/sessionRecord';
import type { EngineSettings } from '../sessions/engineOptions';
import { DEFAULT_KEEP_ENDED } from '../sessions/endedRetention';
import { DEFAULT_MAX_LIVE_SESSIONS, DEFAULT_MAX_SPAWN_DEPTH } from '../sessions/spawnLimits';
import { PriceOverrides, PriceTable } from '../usage/priceTable';

export type NotificationLevel = 'all' | 'waiting' | 'off';
export type ResumeLost = 'ask' | 'always' | 'never';
export type WorktreeDefault = 'never' | 'parallel' | 'always';

export interface Settings {
  agentCommand: string;
  agentArgs: string[];
  /** The kind a spawn that names none starts; undefined: the kind of agentCommand's program. */
  defaultAgent: AgentKind | undefined;
  /** Codex's and Gemini CLI's programs and arguments ('' and [] where not set). */
  agentPrograms: Partial<Record<AgentKind, { command?: string; args?: string[] }>>;
  agentEnv: Record<string, string>;
  /** Every session gets Instar's MCP server. */
  mcpServer: boolean;
  defaultModel: string;
  permissionMode: PermissionMode;
  /** 0: sessions never end by themselves. */
  endWhenIdleMinutes: number;
  resumeLost: ResumeLost;
  /** 0: no limit. */
  maxLiveSessions: number;
  maxSpawnDepth: number;
  /** Ended sessions kept in the registry (0: every one). */
  keepEnded: number;
  socket: string;
  tmuxPath: string;
  notifications: NotificationLevel;
  /** Ask before killing a busy session from the UI. */
  confirmKill: boolean;
  outputLines: number;
  apiEnabled: boolean;
  apiPort: number;
  runMissedJobs: boolean;
  /** Where new sessions run in a git repository, as the spawn flow proposes. */
  worktreeDefault: WorktreeDefault;
  worktreeSetupFiles: string[];
  linkSetupFiles: boolean;
  worktreeSetupCommand: string;
  worktreeSetupTimeoutSeconds: number;
  /** '' for the extension's storage. */
  worktreeFolder: string;
  gitPath: string;
  /** 0: no limit. */
  sessionBudgetUsd: number;
  dailyBudgetUsd: number;
  prices: PriceOverrides;
  /** A window starts the background keeper when there is something to keep. */
  keeperEnabled: boolean;
  /** How long the keeper stays once nothing is left to keep, in minutes. */
  keeperLingerMinutes: number;
  /** Notifications away from the editor (core/notify): a channel's URL, '' where it is not set. */
  notifyWebhookUrl: string;
  notifyNtfyUrl: string;
  /** A desktop notification from the keeper. */
  notifyDesktop: boolean;
  /** The kinds of events sent (waiting, error, budget, job-failed, batch-done). */
  notifyEvents: string[];
  /** Which sessions are told about: `label:<label>`, `job:<slug>`, a session name with `*`; none: every one. */
  notifyOnly: string[];
  /** The ask, the prompt's words and the last answer go too. */
  notifyIncludeText: boolean;
  notifyMaxPerMinute: number;
}

/** A value of a setting by its key under `instar.` (for example "agent.command"), or undefined for its default. */
export type SettingValue = (key: string) => unknown;

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const flag = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const within = (low: number, high: number, value: number): number => Math.min(high, Math.max(low, value));

/** The settings from `value`, each defaulted and brought into range. */
export function readSettings(value: SettingValue): Settings {
  const env = value('agent.environment');
  const prices = value('usage.prices');
  return {
    agentCommand: text(value('agent.command'))?.trim() || 'claude',
    agentArgs: strings(value('agent.extraArgs')),
    defaultAgent: (AGENT_KINDS as readonly unknown[]).includes(value('agent.default')) ? (value('agent.default') as AgentKind) : undefined,
    agentPrograms: {
      codex: { command: text(value('agent.codex.command'))?.trim() || undefined, args: strings(value('agent.codex.extraArgs')) },
      gemini: { command: text(value('agent.gemini.command'))?.trim() || undefined, args: strings(value('agent.gemini.extraArgs')) },
    },
    agentEnv: env && typeof env === 'object' ? Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {},
    mcpServer: flag(value('agent.mcpServer')) ?? true,
    defaultModel: text(value('defaultModel')) || 'sonnet',
    permissionMode: (text(value('permissionMode')) as PermissionMode) || 'bypassPermissions',
    endWhenIdleMinutes: within(0, 10_080, number(value('sessions.endWhenIdleMinutes')) ?? 5),
    resumeLost: (text(value('sessions.resumeLost')) as ResumeLost) || 'ask',
    maxLiveSessions: within(0, 10_000, Math.floor(number(value('sessions.maxLive')) ?? DEFAULT_MAX_LIVE_SESSIONS)),
    maxSpawnDepth: within(0, 100, Math.floor(number(value('sessions.maxSpawnDepth')) ?? DEFAULT_MAX_SPAWN_DEPTH)),
    keepEnded: within(0, 100_000, Math.floor(number(value('sessions.keepEnded')) ?? DEFAULT_KEEP_ENDED)),
    socket: text(value('tmux.socket')) ?? 'instar',
    tmuxPath: text(value('tmux.path'))?.trim() || 'tmux',
    notifications: (text(value('notifications')) as NotificationLevel) || 'all',
    confirmKill: flag(value('confirmKill')) ?? true,
    outputLines: within(1, 10_000, Math.floor(number(value('output.lines')) ?? 500)),
    apiEnabled: flag(value('api.enabled')) ?? true,
    apiPort: within(0, 65_535, Math.floor(number(value('api.port')) ?? 4040)),
    runMissedJobs: flag(value('jobs.runMissed')) ?? true,
    worktreeDefault: (text(value('worktrees.default')) as WorktreeDefault) || 'parallel',
    worktreeSetupFiles: (Array.isArray(value('worktrees.setupFiles')) ? strings(value('worktrees.setupFiles')) : ['.env*']).filter((glob) => glob.trim() !== ''),
    linkSetupFiles: flag(value('worktrees.linkSetupFiles')) ?? false,
    worktreeSetupCommand: text(value('worktrees.setupCommand'))?.trim() ?? '',
    worktreeSetupTimeoutSeconds: within(1, 3600, number(value('worktrees.setupTimeoutSeconds')) ?? 300),
    worktreeFolder: text(value('worktrees.folder'))?.trim() ?? '',
    gitPath: text(value('git.path'))?.trim() || 'git',
    sessionBudgetUsd: Math.max(0, number(value('budget.sessionUsd')) ?? 0),
    dailyBudgetUsd: Math.max(0, number(value('budget.dailyUsd')) ?? 0),
    prices: prices && typeof prices === 'object' && !Array.isArray(prices) ? (prices as PriceOverrides) : {},
    keeperEnabled: flag(value('keeper.enabled')) ?? true,
    keeperLingerMinutes: within(0, 10_080, number(value('keeper.lingerMinutes')) ?? 10),
    notifyWebhookUrl: text(value('notify.webhookUrl'))?.trim() ?? '',
    notifyNtfyUrl: text(value('notify.ntfyUrl'))?.trim() ?? '',
    notifyDesktop: flag(value('notify.desktop')) ?? false,
    notifyEvents: Array.isArray(value('notify.events')) ? strings(value('notify.events')) : [...NOTIFY_KINDS],
    notifyOnly: strings(value('notify.only')).map((pattern) => pattern.trim()).filter((pattern) => pattern !== ''),
    notifyIncludeText: flag(value('notify.includeText')) ?? false,
    notifyMaxPerMinute: within(1, 600, Math.floor(number(value('notify.maxPerMinute')) ?? 6)),
  };
}

/**
 * The part of the settings the engine takes. A wrong price table is left out (the built-in
 * prices stay) and handed to `onWrongPrices` to say so.
 */
export function engineSettings(settings: Settings, extraEnv: Record<string, string> = {}, onWrongPrices: (message: string) => void = () => undefined): Partial<EngineSettings> {
  return {
    agentCommand: settings.agentCommand,
    agentArgs: settings.agentArgs,
    defaultAgent: settings.defaultAgent,
    agentPrograms: settings.agentPrograms,
    agentEnv: { ...settings.agentEnv, ...extraEnv },
    mcpServer: settings.mcpServer,
    maxLiveSessions: settings.maxLiveSessions,
    maxSpawnDepth: settings.maxSpawnDepth,
    keepEnded: settings.keepEnded,
    defaultModel: settings.defaultModel,
    defaultPermissionMode: settings.permissionMode,
    defaultIdleLimitMs: Math.round(settings.endWhenIdleMinutes * 60_000),
    socket: settings.socket,
    tmuxBinary: settings.tmuxPath,
    worktreeSetup: {
      files: settings.worktreeSetupFiles,
      mode: settings.linkSetupFiles ? 'link' : 'copy',
      command: settings.worktreeSetupCommand || undefined,
      timeoutMs: settings.worktreeSetupTimeoutSeconds * 1000,
    },
    worktreeRoot: settings.worktreeFolder || undefined,
    gitPath: settings.gitPath,
    defaultBudgetUsd: settings.sessionBudgetUsd || undefined,
    dailyBudgetUsd: settings.dailyBudgetUsd || undefined,
    prices: validPrices(settings.prices, onWrongPrices),
  };
}

function validPrices(prices: PriceOverrides, onWrong: (message: string) => void): PriceOverrides | undefined {
  try {
    new PriceTable(prices);
    return prices;
  } catch (error) {
    onWrong(`instar.usage.prices: ${(error as Error).message} The built-in prices are used until it is fixed.`);
    return undefined;
  }
}
