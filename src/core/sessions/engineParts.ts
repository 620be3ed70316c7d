/**
 * The parts a session engine is made of, and how they are connected: the store (records and their
 * change event), the spawner, the status tracker (hooks, exits, screens), the usage tracker
 * (tokens, cost, context, budgets), session worktrees, input, output and snapshots, long-prompt
 * delivery, the lifecycle (kill, remove), the retention of ended sessions, and the facades hosts
 * see. Built together, started together, disposed together; the engine in front of them
 * (sessionEngine.ts) is what hosts call.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentLocator } from '../agent/agentLocator';
import { AgentVersions } from '../agent/agentVersion';
import type { SessionRecord } from '../model/sessionRecord';
import type { EngineEventName } from '../status/hookEvents';
import { TmuxServers } from '../tmux/tmuxServers';
import type { PriceTable } from '../usage/priceTable';
import { CommandRunner, ExecaRunner, ProcessRunner } from '../util/commandRunner';
import { Clock, Logger, silentLogger, systemClock } from '../util/host';
import { AgentLauncher } from './agentLauncher';
import { EndedRetention } from './endedRetention';
import { EngineAgents } from './engineAgents';
import { EngineOptions, tmuxSettingsOf } from './engineOptions';
import { EngineTerminals } from './engineTerminals';
import { EngineUsage } from './engineUsage';
import { EngineWorktrees } from './engineWorktrees';
import { KeptWorktrees } from './keptWorktrees';
import { SessionLifecycle } from './lifecycle';
import { PromptDelivery } from './promptDelivery';
import { workspaceKeyOf } from './recordTags';
import { SessionFiles } from './sessionFiles';
import { SessionInput } from './sessionInput';
import { SessionOutput } from './sessionOutput';
import { SessionStore } from './sessionStore';
import { SessionWorktrees } from './sessionWorktrees';
import { Spawner } from './spawner';
import { StatusTracker } from './statusTracker';
import { logTransitions } from './transitionLog';
import { UsageLedger } from './usageLedger';
import { UsageTracker } from './usageTracker';
import { OtherWorkspaces, StatePublisher } from './workspacePresence';

export interface EngineWiring {
  /** The options the engine is built with. */
  options: EngineOptions;
  /** The engine's options as they are now (settings change at run time). */
  current: () => EngineOptions;
  /** The price table as it is now (a setting). */
  prices: () => PriceTable;
  /** The engine, in the events it writes for the other engines of its workspace. */
  engineId: string;
}

export class EngineParts {
  private readonly current: () => EngineOptions;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly files: SessionFiles;
  readonly store: SessionStore;
  readonly servers: TmuxServers;
  private readonly locator = new AgentLocator();
  readonly outputs: SessionOutput;
  readonly others: OtherWorkspaces;
  readonly publisher: StatePublisher;
  readonly input: SessionInput;
  readonly tracker: StatusTracker;
  readonly spawner: Spawner;
  readonly lifecycle: SessionLifecycle;
  readonly usageTracker: UsageTracker;
  readonly sessionWorktrees: SessionWorktrees;
  readonly retention: EndedRetention;
  readonly agents: EngineAgents;
  readonly usage: EngineUsage;
  readonly worktrees: EngineWorktrees;
  readonly terminals: EngineTerminals;

  constructor({ options, current, prices, engineId }: EngineWiring) {
    this.current = current;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    // Runs tmux (the hot path).
    const runner: CommandRunner = options.runner ?? new ProcessRunner();
    // Runs every other program: version probes, mkfifo.
    const tools: CommandRunner = options.toolRunner ?? new ExecaRunner();
    this.store = new SessionStore(options.storage, this.logger);
    logTransitions(this.store.all(), this.store.onDidChange, this.logger);
    this.files = new SessionFiles(options.stateDir);
    this.servers = new TmuxServers(runner, this.logger, tmuxSettingsOf(options));
    this.outputs = new SessionOutput(this.servers, this.files, this.logger);
    this.others = new OtherWorkspaces(workspaceKeyOf(options));
    this.publisher = new StatePublisher(this.store, this.servers, this.logger);
    this.terminals = new EngineTerminals(this.store, this.servers, tools, this.logger);
    this.agents = new EngineAgents(current, this.locator);
    this.input = new SessionInput(this.store, this.servers, {
      submitDelayMs: () => current().submitDelayMs ?? 150,
      onGone: () => void this.tracker.refresh().catch(() => undefined),
      clock: this.clock,
      logger: this.logger,
    });
    const delivery = new PromptDelivery(this.store, this.files, this.input, this.logger);
    this.tracker = new StatusTracker(this.store, this.files, this.servers, this.outputs, delivery, {
      clock: this.clock,
      logger: this.logger,
      monitorIntervalMs: options.monitorIntervalMs ?? 1000,
      onIdle: (record, pane) => this.lifecycle.endIfIdle(record, pane),
      socket: () => current().socket,
      workspace: workspaceKeyOf(options),
      engineId,
      onListing: (panes) => this.others.take(panes),
    });
    const announce = (record: SessionRecord, event: EngineEventName, fields: Record<string, string> = {}) => {
      // This engine did it already: its own watcher need not read it back.
      const file = this.files.eventFileName(record.id);
      this.tracker.ownEvent(file);
      return this.files.writeEngineEvent(record.id, event, { ...fields, engine: engineId }, file).catch((error) => {
        this.logger.warn(`Could not tell other windows of ${event} ${record.name}: ${(error as Error).message}`);
        return undefined;
      });
    };
    const ledger = new UsageLedger(options.storage);
    const kept = new KeptWorktrees(options.stateDir);
    this.usageTracker = new UsageTracker(this.store, this.files, {
      clock: this.clock,
      logger: this.logger,
      prices,
      dailyBudgetUsd: () => current().dailyBudgetUsd,
      removedCostOn: (day) => ledger.costOn(day),
      stop: (record, detail) => this.lifecycle.stopForBudget(record.name, detail),
    });
    this.usage = new EngineUsage({ store: this.store, tracker: this.usageTracker, ledger, dailyBudgetUsd: () => current().dailyBudgetUsd, clock: this.clock, logger: this.logger });
    const checkMayStart = () => this.usage.checkMayStart();
    const versions = new AgentVersions(tools, this.logger);
    const launcher = new AgentLauncher(this.files, current);
    const onStarted = (record: SessionRecord) => this.tracker.noteSpawned(record.id);
    this.sessionWorktrees = new SessionWorktrees(this.store, {
      runner: tools,
      logger: this.logger,
      clock: this.clock,
      root: () => current().worktreeRoot ?? path.join(current().stateDir, 'worktrees'),
      setup: () => current().worktreeSetup ?? { files: [], mode: 'copy' },
      gitPath: () => current().gitPath,
      kept,
    });
    this.worktrees = new EngineWorktrees(this.store, this.sessionWorktrees, kept);
    this.spawner = new Spawner(this.store, this.files, this.servers, this.locator, versions, launcher, this.sessionWorktrees, {
      options: current,
      clock: this.clock,
      logger: this.logger,
      onSpawned: onStarted,
      announce,
      checkMayStart,
      engineId,
    });
    this.lifecycle = new SessionLifecycle({
      kept,
      store: this.store,
      files: this.files,
      servers: this.servers,
      output: this.outputs,
      input: this.input,
      agents: this.locator,
      versions,
      launcher,
      tools,
      options: current,
      onStarted,
      announce,
      checkMayStart,
      ledger,
      clock: this.clock,
      logger: this.logger,
    });
    this.retention = new EndedRetention(this.store, { keep: () => current().keepEnded ?? 0, remove: (name) => this.lifecycle.remove(name), logger: this.logger });
  }

  /** Reads the events written while none ran and reconciles with tmux. */
  async start(): Promise<void> {
    await fs.mkdir(this.current().stateDir, { recursive: true, mode: 0o700 });
    await this.files.prepare();
    await this.tracker.start();
    this.usageTracker.start();
    this.sessionWorktrees.start();
    // Not on the way to a working engine: a stat of every event file (what is gone meanwhile is fine).
    void this.files.pruneEvents(this.clock.now()).then(
      (pruned) => pruned > 0 && this.logger.debug(`Removed ${pruned} events older than a week`),
      (error) => this.logger.debug(`Could not remove old events: ${(error as Error).message}`),
    );
  }

  dispose(): void {
    this.tracker.dispose();
    this.usageTracker.dispose();
    this.sessionWorktrees.dispose();
    this.retention.dispose();
    this.outputs.dispose();
    this.store.dispose();
  }
}
