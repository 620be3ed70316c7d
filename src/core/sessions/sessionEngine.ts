/**
 * The session engine: the one entry point of the core. It spawns agents in tmux, keeps their
 * true status, and talks to them, as a thin facade over the parts that do each:
 * the store (records and their change event), the spawner, the status tracker (hooks, exits,
 * screens), the usage tracker (tokens, cost, context, budgets), session worktrees, input, output
 * and snapshots, long-prompt delivery, and the lifecycle (kill, remove). Usage, worktrees and
 * terminals have small facades of their own (`engine.usage`, `.worktrees`, `.terminals`).
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ClaudeSignIn, claudeSignIn } from '../agent/claudeSignIn';
import { AgentLocator } from '../agent/agentLocator';
import { AgentVersions } from '../agent/agentVersion';
import { ConversationReader } from '../agent/conversationReader';
import type { PermissionMode } from '../model/permissionMode';
import { isEnded, type AgentKind, type SessionRecord } from '../model/sessionRecord';
import type { EngineEventName } from '../status/hookEvents';
import { listTmuxSessions, TmuxSessionInfo } from '../tmux/tmuxSessions';
import { TmuxServers } from '../tmux/tmuxServers';
import { PriceTable } from '../usage/priceTable';
import { CommandRunner, ExecaRunner, ProcessRunner } from '../util/commandRunner';
import { InstarError } from '../util/errors';
import type { Event } from '../util/emitter';
import { Clock, Logger, silentLogger, systemClock } from '../util/host';
import { agentCommandOf, EngineOptions, EngineSettings, OutputRequest, SpawnRequest } from './engineOptions';
import { defaultAgentKind, programFor } from './agentChoice';
import { AgentLauncher } from './agentLauncher';
import { SearchResult, searchSessions } from './conversationSearch';
import { SessionLifecycle } from './lifecycle';
import { PromptDelivery } from './promptDelivery';
import { SessionFiles } from './sessionFiles';
import { Answered, SessionInput, ShownDialog } from './sessionInput';
import { resultOf, SessionResult } from './sessionResults';
import { SessionOutput } from './sessionOutput';
import { SessionsChange, SessionStore } from './sessionStore';
import { SessionWorktrees } from './sessionWorktrees';
import type { SpawnRefusal } from './spawnLimits';
import { Spawner } from './spawner';
import { validatePermissionMode } from './validation';
import { workspaceKeyOf } from './recordTags';
import { KeptWorktrees } from './keptWorktrees';
import { EndedRetention } from './endedRetention';
import { EngineTerminals } from './engineTerminals';
import { EngineUsage } from './engineUsage';
import { EngineWorktrees } from './engineWorktrees';
import { logTransitions } from './transitionLog';
import { StatusTracker } from './statusTracker';
import { OtherWorkspaces, StatePublisher } from './workspacePresence';
import { UsageLedger } from './usageLedger';
import { BudgetNotice, UsageTracker } from './usageTracker';

export type { EngineOptions, EngineSettings, OutputRequest, SpawnRequest } from './engineOptions';
export type { SessionsChange } from './sessionStore';
export type { Answered, ShownDialog } from './sessionInput';
export type { SessionResult } from './sessionResults';
export type { TmuxSessionInfo } from '../tmux/tmuxSessions';
export type { BudgetNotice } from './usageTracker';
export type { SearchMatch, SearchResult } from './conversationSearch';
export type { ConversationReader } from '../agent/conversationReader';
export type { UsageReport } from '../usage/usageReport';
export type { ChangedFile, DiscardLoss, MergeResult, RepositoryInfo, WorktreeReview } from '../git/worktrees';
export type { KeptWorktree } from './keptWorktrees';
export type { OtherSession } from './workspacePresence';

export class SessionEngine {
  /** Fires after records change, with the changed records and the names removed. */
  readonly onDidChange: (listener: (change: SessionsChange) => void) => { dispose(): void };
  private readonly logger: Logger;
  private readonly clock: Clock;
  /** Runs tmux (the hot path). */
  private readonly runner: CommandRunner;
  /** Runs every other program: version probes, mkfifo. */
  private readonly tools: CommandRunner;
  private readonly store: SessionStore;
  private readonly files: SessionFiles;
  private readonly servers: TmuxServers;
  private readonly agents = new AgentLocator();
  private readonly outputs: SessionOutput;
  /** The live sessions of the other workspaces on this engine's tmux server, as of its last listing, and their changes. */
  readonly others: OtherWorkspaces;
  /** Publishes this workspace's sessions' states for the others on the server: on while this engine leads. */
  readonly publisher: StatePublisher;
  private readonly input: SessionInput;
  private readonly tracker: StatusTracker;
  private readonly spawner: Spawner;
  private readonly lifecycle: SessionLifecycle;
  private readonly usageTracker: UsageTracker;
  private readonly sessionWorktrees: SessionWorktrees;
  private readonly retention: EndedRetention;
  /** Usage totals, job costs, budgets. */
  readonly usage: EngineUsage;
  /** Worktree sessions' review, commit, merge and discard, and the worktrees kept after them. */
  readonly worktrees: EngineWorktrees;
  /** Terminal bindings, and the commands that attach to a session or resume it. */
  readonly terminals: EngineTerminals;
  private prices: PriceTable;
  /** Fires when a session or the day nears (80 %) or reaches a budget. */
  readonly onBudget: (listener: (notice: BudgetNotice) => void) => { dispose(): void };
  /** This engine, in the events it writes for the other engines of its workspace. */
  readonly engineId = randomUUID();

  private constructor(private options: EngineOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.runner = options.runner ?? new ProcessRunner();
    this.tools = options.toolRunner ?? new ExecaRunner();
    this.store = new SessionStore(options.storage, this.logger);
    this.prices = new PriceTable(options.prices);
    this.onDidChange = this.store.onDidChange;
    logTransitions(this.store.all(), this.onDidChange, this.logger);
    this.files = new SessionFiles(options.stateDir);
    this.servers = new TmuxServers(this.runner, this.logger, this.tmuxSettings());
    this.outputs = new SessionOutput(this.servers, this.files, this.logger);
    this.others = new OtherWorkspaces(workspaceKeyOf(options));
    this.publisher = new StatePublisher(this.store, this.servers, this.logger);
    this.terminals = new EngineTerminals(this.store, this.servers, this.tools, this.logger);
    this.input = new SessionInput(this.store, this.servers, {
      submitDelayMs: () => this.options.submitDelayMs ?? 150,
      onGone: () => void this.refresh().catch(() => undefined),
      clock: this.clock,
      logger: this.logger,
    });
    const delivery = new PromptDelivery(this.store, this.files, this.input, this.logger);
    this.tracker = new StatusTracker(this.store, this.files, this.servers, this.outputs, delivery, {
      clock: this.clock,
      logger: this.logger,
      monitorIntervalMs: options.monitorIntervalMs ?? 1000,
      onIdle: (record, pane) => this.lifecycle.endIfIdle(record, pane),
      socket: () => this.options.socket,
      workspace: workspaceKeyOf(options),
      engineId: this.engineId,
      onListing: (panes) => this.others.take(panes),
    });
    const announce = (record: SessionRecord, event: EngineEventName, fields: Record<string, string> = {}) => {
      // This engine did it already: its own watcher need not read it back.
      const file = this.files.eventFileName(record.id);
      this.tracker.ownEvent(file);
      return this.files.writeEngineEvent(record.id, event, { ...fields, engine: this.engineId }, file).catch((error) => {
        this.logger.warn(`Could not tell other windows of ${event} ${record.name}: ${(error as Error).message}`);
        return undefined;
      });
    };
    const ledger = new UsageLedger(options.storage);
    const kept = new KeptWorktrees(options.stateDir);
    this.usageTracker = new UsageTracker(this.store, this.files, {
      clock: this.clock,
      logger: this.logger,
      prices: () => this.prices,
      dailyBudgetUsd: () => this.options.dailyBudgetUsd,
      removedCostOn: (day) => ledger.costOn(day),
      stop: (record, detail) => this.lifecycle.stopForBudget(record.name, detail),
    });
    this.onBudget = this.usageTracker.onBudget;
    this.usage = new EngineUsage({ store: this.store, tracker: this.usageTracker, ledger, dailyBudgetUsd: () => this.options.dailyBudgetUsd, clock: this.clock, logger: this.logger });
    const checkMayStart = () => this.usage.checkMayStart();
    const versions = new AgentVersions(this.tools, this.logger);
    const launcher = new AgentLauncher(this.files, () => this.options);
    const onStarted = (record: SessionRecord) => this.tracker.noteSpawned(record.id);
    this.sessionWorktrees = new SessionWorktrees(this.store, {
      runner: this.tools,
      logger: this.logger,
      clock: this.clock,
      root: () => this.options.worktreeRoot ?? path.join(this.options.stateDir, 'worktrees'),
      setup: () => this.options.worktreeSetup ?? { files: [], mode: 'copy' },
      gitPath: () => this.options.gitPath,
      kept,
    });
    this.worktrees = new EngineWorktrees(this.store, this.sessionWorktrees, kept);
    this.spawner = new Spawner(this.store, this.files, this.servers, this.agents, versions, launcher, this.sessionWorktrees, {
      options: () => this.options,
      clock: this.clock,
      logger: this.logger,
      onSpawned: onStarted,
      announce,
      checkMayStart,
      engineId: this.engineId,
    });
    this.lifecycle = new SessionLifecycle({
      kept,
      store: this.store,
      files: this.files,
      servers: this.servers,
      output: this.outputs,
      input: this.input,
      agents: this.agents,
      versions,
      launcher,
      tools: this.tools,
      options: () => this.options,
      onStarted,
      announce,
      checkMayStart,
      ledger,
      clock: this.clock,
      logger: this.logger,
    });
    this.retention = new EndedRetention(this.store, { keep: () => this.options.keepEnded ?? 0, remove: (name) => this.lifecycle.remove(name), logger: this.logger });
  }

  /** Creates an engine, reads the events written while none ran, and reconciles with tmux. */
  static async create(options: EngineOptions): Promise<SessionEngine> {
    const engine = SessionEngine.open(options);
    await engine.start();
    return engine;
  }

  /**
   * An engine with the records of its storage and nothing read yet: a host can show them at once
   * and `start()` it off its own start-up path (subscribing to onDidChange first).
   */
  static open(options: EngineOptions): SessionEngine {
    return new SessionEngine(options);
  }

  private starting: Promise<void> | undefined;

  /**
   * Whether this engine leads its workspace (the host's leader election says): while it does, it
   * publishes its sessions' states for the other workspaces on the server, and keeps the registry
   * of ended sessions to instar.sessions.keepEnded.
   */
  setLeading(on: boolean): void {
    this.publisher.setPublishing(on);
    this.retention.setLeading(on);
  }

  /** Reads the events written while none ran and reconciles with tmux (once; later calls share it). */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await fs.mkdir(this.options.stateDir, { recursive: true, mode: 0o700 });
      await this.files.prepare();
      await this.tracker.start();
      this.usageTracker.start();
      this.sessionWorktrees.start();
      // Not on the way to a working engine: a stat of every event file (what is gone meanwhile is fine).
      void this.files.pruneEvents(this.clock.now()).then(
        (pruned) => pruned > 0 && this.logger.debug(`Removed ${pruned} events older than a week`),
        (error) => this.logger.debug(`Could not remove old events: ${(error as Error).message}`),
      );
    })();
    return this.starting;
  }

  /** The workspace this engine works for, as tagged on its sessions (engines with the same key share them). */
  get workspaceKey(): string {
    return workspaceKeyOf(this.options);
  }

  /** The tmux socket new sessions go to. */
  get socket(): string {
    return this.options.socket;
  }

  get agentCommand(): string {
    return agentCommandOf(this.options);
  }

  /** The program sessions of `kind` run (its setting, else its name on PATH; none set for "other"). */
  agentProgram(kind: AgentKind): string | undefined {
    try {
      return programFor(this.options, kind).command;
    } catch {
      return undefined;
    }
  }

  /** Where the program of `kind` is (searched again) and the environment its sessions add, to run it by hand (a login). */
  async agentByHand(kind: AgentKind): Promise<{ path: string; env: Record<string, string> }> {
    const program = this.agentProgram(kind);
    if (!program) throw new InstarError('invalid-input', `Sessions of kind ${kind} have no program of their own.`);
    return { path: await this.agents.check(program), env: { ...this.options.agentEnv } };
  }

  /** How Claude Code signs in with the environment an agent gets, or what to do when it cannot. */
  claudeSignIn(): Promise<ClaudeSignIn> {
    return claudeSignIn({ ...process.env, ...this.options.agentEnv });
  }

  /** The agent CLIs this machine has (their programs found), the default kind's first. */
  async installedAgents(): Promise<AgentKind[]> {
    const first = this.defaultAgent;
    const kinds = [first, ...(['claude', 'codex', 'gemini'] as const).filter((kind) => kind !== first)];
    const found = await Promise.all(kinds.map((kind) => this.agents.locate(this.agentProgram(kind) ?? '').then(() => true, () => false)));
    return kinds.filter((_, index) => found[index]);
  }

  /** The kind a spawn that names none starts. */
  get defaultAgent(): AgentKind {
    return defaultAgentKind(this.options);
  }

  /** The permission mode a spawn that names none runs in (instar.permissionMode), as the spawner decides it. */
  get defaultPermissionMode(): PermissionMode {
    return validatePermissionMode(this.options.defaultPermissionMode);
  }

  /**
   * Changes settings for what comes next: later spawns use the new agent, socket and
   * environment; existing sessions stay on the server they were started on.
   */
  configure(settings: Partial<EngineSettings>): void {
    this.options = { ...this.options, ...settings };
    if ('prices' in settings) this.prices = new PriceTable(settings.prices);
    if ('keepEnded' in settings) this.retention.soon();
    this.servers.configure(this.tmuxSettings());
  }

  private tmuxSettings() {
    return { socket: this.options.socket, binary: this.options.tmuxBinary, timeoutMs: this.options.tmuxTimeoutMs };
  }

  /** Every session the engine knows, oldest first. */
  list(): SessionRecord[] {
    return this.store.list();
  }

  get(name: string): SessionRecord | undefined {
    return this.store.get(name);
  }

  /** Throws a not-found error naming the known sessions. */
  require(name: string): SessionRecord {
    return this.store.require(name);
  }

  /** Checks that tmux is usable; throws the typed error that says what to do. */
  async checkTmux(): Promise<string> {
    return (await this.servers.client().ensureVersion()).text;
  }

  /** Checks that the agent program can be found (searching again); returns its path. */
  checkAgent(): Promise<string> {
    return this.agents.check(this.agentCommand);
  }

  spawn(request: SpawnRequest): Promise<SessionRecord> {
    return this.spawner.spawn(request);
  }

  /** Spawns refused for a limit (maxLive, maxSpawnDepth) since the last that got through; undefined while none is. */
  get spawnRefusal(): SpawnRefusal | undefined {
    return this.spawner.refusal;
  }

  /** Fires when spawns start being refused for a limit, and with undefined once one gets through again. */
  get onDidChangeSpawnRefusal(): Event<SpawnRefusal | undefined> {
    return this.spawner.onDidChangeRefusal;
  }

  /** Checks every live session now (exits, vanished sessions, screens where needed). */
  refresh(): Promise<void> {
    return this.tracker.refresh();
  }

  /** Starts, changes or (with 0) stops the timer that checks live sessions. */
  setMonitorInterval(intervalMs: number): void {
    this.tracker.setMonitorInterval(intervalMs);
  }

  /** The last lines of a session's output; after the tmux session is gone, its saved snapshot. */
  async output(name: string, request: OutputRequest = {}): Promise<string> {
    return this.outputs.read(this.store.require(name), request);
  }

  sendInput(name: string, text: string, options: { submit?: boolean } = {}): Promise<void> {
    return this.input.sendInput(name, text, options);
  }

  sendKeys(name: string, keys: readonly string[]): Promise<void> {
    return this.input.sendKeys(name, keys);
  }

  /** The dialog the session shows (trust, permission, a question…), with its options; waits up to `waitMs` for one. */
  dialog(name: string, waitMs = 0): Promise<ShownDialog | undefined> {
    return this.input.dialog(name, waitMs);
  }

  /** Chooses an option of the dialog on screen by its label, with arrows and Enter. */
  answer(name: string, option: string): Promise<Answered> {
    return this.input.answer(name, option);
  }

  /** Presses Enter again if a paste submitted at `since` was not taken; see SessionInput. */
  ensureSubmitted(name: string, since: number, waitMs?: number, text?: string): Promise<boolean> {
    return this.input.ensureSubmitted(name, since, waitMs, text);
  }

  /**
   * A reader of the session's conversation (its transcript's items), to follow it as it grows;
   * undefined while Claude Code has not reported a transcript.
   */
  conversation(name: string): ConversationReader | undefined {
    const record = this.store.require(name);
    return record.transcriptPath ? new ConversationReader(record.transcriptPath, record.agentKind) : undefined;
  }

  /** Searches every session's name, prompt and conversation (ended ones too); at most `limit` matches. */
  search(query: string, limit?: number): Promise<SearchResult> {
    return searchSessions(this.store.list(), query, limit);
  }

  /** The last answer of a session and its turn count, from its events (there after it ended, or tmux was lost). */
  async result(name: string): Promise<SessionResult> {
    const record = this.store.require(name);
    return resultOf(record, await this.tracker.eventsOf(record.id));
  }

  /**
   * The record of `name` once `predicate` holds for it (now or at a later change), or undefined
   * at `timeoutMs` or when `signal` aborts. Costs no tmux call: the store's change event drives it.
   */
  waitFor(name: string, predicate: (record: SessionRecord | undefined) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SessionRecord | undefined> {
    return this.store.waitFor(name, predicate, timeoutMs, signal);
  }

  /** What `probe` returns once it returns something (now or at a later change of the sessions), or undefined at `timeoutMs` or when `signal` aborts. */
  waitUntil<T>(probe: () => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T | undefined> {
    return this.store.waitUntil(probe, timeoutMs, signal);
  }

  kill(name: string): Promise<SessionRecord> {
    return this.lifecycle.kill(name);
  }

  /**
   * Forgets an ended session. Its worktree is kept unless `discardWorktree` (which refuses, naming
   * what would be lost, unless `force`): nothing of a session's work goes without being asked.
   */
  async remove(name: string, options: { discardWorktree?: boolean; force?: boolean } = {}): Promise<void> {
    const record = this.store.require(name);
    if (options.discardWorktree && record.worktree && !record.worktreeDiscarded) {
      if (!isEnded(record)) throw new InstarError('session-live', `Session "${name}" is still ${record.status}; kill it before removing it.`);
      await this.sessionWorktrees.discard(name, { force: options.force });
    }
    return this.lifecycle.remove(name);
  }

  /** Takes over a tmux session of the configured server that Instar did not start. */
  adopt(tmuxSession: string): Promise<SessionRecord> {
    return this.lifecycle.adopt(tmuxSession);
  }

  /** Starts an ended Claude Code session's conversation again; `text` is submitted once it is back. */
  resume(name: string, text?: string): Promise<SessionRecord> {
    return this.lifecycle.resume(name, text);
  }

  /** The sessions of the configured tmux server, including ones the engine did not start. */
  listTmuxSessions(): Promise<TmuxSessionInfo[]> {
    const ours = new Map(this.store.all().filter((record) => record.tmuxSocket === this.socket).map((record) => [record.tmuxSession, record.name]));
    return listTmuxSessions(this.servers.client(), (tmuxName) => ours.get(tmuxName), workspaceKeyOf(this.options));
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
