/** The extension's settings, typed, read in one place, with an event when they change. */
import * as vscode from 'vscode';
import type { EngineSettings } from '../core/sessions/sessionEngine';
import type { PermissionMode } from '../core/model/permissionMode';
import { PriceOverrides, PriceTable } from '../core/usage/priceTable';

export type NotificationLevel = 'all' | 'waiting' | 'off';
export type ResumeLost = 'ask' | 'always' | 'never';

export interface Settings {
  agentCommand: string;
  agentArgs: string[];
  agentEnv: Record<string, string>;
  defaultModel: string;
  permissionMode: PermissionMode;
  /** 0: sessions never end by themselves. */
  endWhenIdleMinutes: number;
  resumeLost: ResumeLost;
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
}

export type WorktreeDefault = 'never' | 'parallel' | 'always';

export class SettingsWatcher implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Settings>();
  readonly onDidChange = this.emitter.event;
  private readonly subscription: vscode.Disposable;
  private current: Settings;

  constructor() {
    this.current = read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('instar')) return;
      this.current = read();
      this.emitter.fire(this.current);
    });
  }

  get value(): Settings {
    return this.current;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function read(): Settings {
  const config = vscode.workspace.getConfiguration('instar');
  const env = config.get<Record<string, unknown>>('agent.environment') ?? {};
  return {
    agentCommand: config.get<string>('agent.command')?.trim() || 'claude',
    agentArgs: (config.get<unknown[]>('agent.extraArgs') ?? []).filter((arg): arg is string => typeof arg === 'string'),
    agentEnv: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string')),
    defaultModel: config.get<string>('defaultModel') || 'sonnet',
    permissionMode: (config.get<string>('permissionMode') as PermissionMode) || 'bypassPermissions',
    endWhenIdleMinutes: Math.min(10_080, Math.max(0, config.get<number>('sessions.endWhenIdleMinutes') ?? 5)),
    resumeLost: (config.get<string>('sessions.resumeLost') as ResumeLost) || 'ask',
    socket: config.get<string>('tmux.socket') ?? 'instar',
    tmuxPath: config.get<string>('tmux.path')?.trim() || 'tmux',
    notifications: (config.get<string>('notifications') as NotificationLevel) || 'all',
    confirmKill: config.get<boolean>('confirmKill') ?? true,
    outputLines: Math.min(10_000, Math.max(1, Math.floor(config.get<number>('output.lines') ?? 500))),
    apiEnabled: config.get<boolean>('api.enabled') ?? false,
    apiPort: Math.min(65_535, Math.max(0, Math.floor(config.get<number>('api.port') ?? 4040))),
    runMissedJobs: config.get<boolean>('jobs.runMissed') ?? true,
    worktreeDefault: (config.get<string>('worktrees.default') as WorktreeDefault) || 'parallel',
    worktreeSetupFiles: (config.get<unknown[]>('worktrees.setupFiles') ?? []).filter((glob): glob is string => typeof glob === 'string' && glob.trim() !== ''),
    linkSetupFiles: config.get<boolean>('worktrees.linkSetupFiles') ?? false,
    worktreeSetupCommand: config.get<string>('worktrees.setupCommand')?.trim() ?? '',
    worktreeSetupTimeoutSeconds: Math.min(3600, Math.max(1, config.get<number>('worktrees.setupTimeoutSeconds') ?? 300)),
    worktreeFolder: config.get<string>('worktrees.folder')?.trim() ?? '',
    gitPath: config.get<string>('git.path')?.trim() || 'git',
    sessionBudgetUsd: Math.max(0, config.get<number>('budget.sessionUsd') ?? 0),
    dailyBudgetUsd: Math.max(0, config.get<number>('budget.dailyUsd') ?? 0),
    prices: (config.get<PriceOverrides>('usage.prices') ?? {}) as PriceOverrides,
  };
}

/** The part of the settings the engine takes. */
export function engineSettings(settings: Settings, extraEnv: Record<string, string> = {}): Partial<EngineSettings> {
  return {
    agentCommand: settings.agentCommand,
    agentArgs: settings.agentArgs,
    agentEnv: { ...settings.agentEnv, ...extraEnv },
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
    prices: validPrices(settings.prices),
  };
}

/** The price setting when the engine can take it; a wrong one is left out (the price table's stay) and said where the log shows it. */
function validPrices(prices: PriceOverrides): PriceOverrides | undefined {
  try {
    new PriceTable(prices);
    return prices;
  } catch (error) {
    void vscode.window.showWarningMessage(`instar.usage.prices: ${(error as Error).message} The built-in prices are used until it is fixed.`);
    return undefined;
  }
}
