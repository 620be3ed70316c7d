/**
 * The session engine: the one entry point of the core. It spawns agents in tmux, keeps their
 * true status, and talks to them, as a thin facade over the parts that do each:
 * the store (records and their change event), the spawner, the status tracker (hooks, exits,
 * screens), the usage tracker (tokens, cost, context, budgets), session worktrees (review, merge,
 * discard), input, output and snapshots, long-prompt delivery, and the lifecycle (kill, remove).
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { AgentLocator } from '../agent/agentLocator';
import { AgentVersions } from '../agent/agentVersion';
import { ConversationReader } from '../agent/conversationReader';
import type { DiscardLoss, DiscardResult, MergeResult, RepositoryInfo, WorktreeReview } from '../git/worktrees';
import { isEnded, type SessionRecord } from '../model/sessionRecord';
import { dayOf, formatUsd } from '../model/usage';
import type { EngineEventName } from '../status/hookEvents';
import { TerminalBinding } from '../terminal/terminalBinding';
import { listTmuxSessions, TmuxSessionInfo } from '../tmux/tmuxSessions';
import { TmuxServers } from '../tmux/tmuxServers';
import { validateBudget } from '../usage/budgets';
import { PriceTable } from '../usage/priceTable';
import { jobCostOn, UsageReport, usageReport } from '../usage/usageReport';
import { CommandRunner, ExecaRunner, ProcessRunner } from '../util/commandRunner';
import { InstarError } from '../util/errors';
import { Clock, Logger, silentLogger, systemClock } from '../util/host';
import { shellQuote } from '../util/shellQuote';
import { agentCommandOf, EngineOptions, EngineSettings, OutputRequest, SpawnRequest } from './engineOptions';
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
import { Spawner } from './spawner';
import { workspaceKeyOf } from './recordTags';
import { KeptWorktree, KeptWorktrees } from './keptWorktrees';
import { logTransitions } from './transitionLog';
import { StatusTracker } from './statusTracker';
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
  private readonly input: SessionInput;
  private readonly tracker: StatusTracker;
  private readonly spawner: Spawner;
  private readonly lifecycle: SessionLifecycle;
  private readonly usage: UsageTracker;
  private readonly worktrees: SessionWorktrees;
  private readonly ledger: UsageLedger;
  private readonly kept: KeptWorktrees;
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
    this.ledger = new UsageLedger(options.storage);
    this.kept = new KeptWorktrees(options.stateDir);
    this.usage = new UsageTracker(this.store, this.files, {
      clock: this.clock,
      logger: this.logger,
      prices: () => this.prices,
      dailyBudgetUsd: () => this.options.dailyBudgetUsd,
      removedCostOn: (day) => this.ledger.costOn(day),
      stop: (record, detail) => this.lifecycle.stopForBudget(record.name, detail),
    });
    this.onBudget = this.usage.onBudget;
    const checkMayStart = () => this.checkMayStart();
    const versions = new AgentVersions(this.tools, this.logger);
    const launcher = new AgentLauncher(this.files, () => this.options);
    const onStarted = (record: SessionRecord) => this.tracker.noteSpawned(record.id);
    this.worktrees = new SessionWorktrees(this.store, {
      runner: this.tools,
      logger: this.logger,
      clock: this.clock,
      root: () => this.options.worktreeRoot ?? path.join(this.options.stateDir, 'worktrees'),
      setup: () => this.options.worktreeSetup ?? { files: [], mode: 'copy' },
      gitPath: () => this.options.gitPath,
      kept: this.kept,
    });
    this.spawner = new Spawner(this.store, this.files, this.servers, this.agents, versions, launcher, this.worktrees, {
      options: () => this.options,
      clock: this.clock,
      logger: this.logger,
      onSpawned: onStarted,
      announce,
      checkMayStart,
      engineId: this.engineId,
    });
    this.lifecycle = new SessionLifecycle({
      kept: this.kept,
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
      ledger: this.ledger,
      clock: this.clock,
      logger: this.logger,
    });
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

  /** Reads the events written while none ran and reconciles with tmux (once; later calls share it). */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await fs.mkdir(this.options.stateDir, { recursive: true, mode: 0o700 });
      await this.files.prepare();
      await this.tracker.start();
      this.usage.start();
      this.worktrees.start();
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

  /**
   * Changes settings for what comes next: later spawns use the new agent, socket and
   * environment; existing sessions stay on the server they were started on.
   */
  configure(settings: Partial<EngineSettings>): void {
    this.options = { ...this.options, ...settings };
    if ('prices' in settings) this.prices = new PriceTable(settings.prices);
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
  ensureSubmitted(name: string, since: number, waitMs?: number): Promise<boolean> {
    return this.input.ensureSubmitted(name, since, waitMs);
  }

  /**
   * A reader of the session's conversation (its transcript's items), to follow it as it grows;
   * undefined while Claude Code has not reported a transcript.
   */
  conversation(name: string): ConversationReader | undefined {
    const record = this.store.require(name);
    return record.transcriptPath ? new ConversationReader(record.transcriptPath) : undefined;
  }

  /** Searches every session's name, prompt and conversation (ended ones too); at most `limit` matches. */
  search(query: string, limit?: number): Promise<SearchResult> {
    return searchSessions(this.store.list(), query, limit);
  }

  /** Totals of usage per session, job and day; `today` is the local day of now. */
  usageReport(): UsageReport {
    return usageReport(this.store.list(), this.ledger.days(), dayOf(this.clock.now()), this.options.dailyBudgetUsd);
  }

  /** Resolves once no usage read is under way: what the start found new has been read (tests, benchmarks). */
  usageRead(): Promise<void> {
    return this.usage.idle();
  }

  /** What a job's runs have cost today (removed runs included), for its daily budget. */
  jobCostToday(slug: string): number {
    return jobCostOn(this.store.all(), this.ledger.days(), slug, dayOf(this.clock.now()));
  }

  /** Sets (or with undefined, lifts) a session's budget in USD; one already spent stops it. */
  async setBudget(name: string, budgetUsd: number | undefined): Promise<SessionRecord> {
    const record = this.store.require(name);
    const limit = validateBudget(budgetUsd);
    const next = this.store.update(name, record.id, (current) => ({ ...current, budgetUsd: limit, budgetWarned: undefined }));
    if (next) await this.store.commit([next]);
    this.usage.update(record.id);
    this.logger.info(limit === undefined ? `${name}: no budget` : `${name}: budget ${formatUsd(limit)}`);
    return this.store.get(name) ?? record;
  }

  /** Throws when the workspace's daily budget is spent: no session starts until it is raised or the day ends. */
  private checkMayStart(): void {
    const daily = this.options.dailyBudgetUsd;
    if (daily === undefined) return;
    const spent = this.usage.costOn(dayOf(this.clock.now()));
    if (spent >= daily) {
      throw new InstarError('over-budget', `The daily budget of ${formatUsd(daily)} is spent (${formatUsd(spent)} today): no session starts until tomorrow, unless the budget (instar.budget.dailyUsd) is raised.`);
    }
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
      await this.worktrees.discard(name, { force: options.force });
    }
    return this.lifecycle.remove(name);
  }

  /** The repository that holds `cwd`, or undefined outside one: where a session can get a worktree. */
  repository(cwd: string): Promise<RepositoryInfo | undefined> {
    return this.worktrees.repository(cwd);
  }

  /** Every file a worktree session changed against its base (committed and uncommitted), with the commit to compare with. */
  review(name: string): Promise<WorktreeReview> {
    return this.worktrees.review(name);
  }

  /** A file of the session's repository as it was at `commit` (for a diff's left side); undefined where it did not exist. */
  fileAt(name: string, commit: string, file: string): Promise<Buffer | undefined> {
    return this.worktrees.show(name, commit, file);
  }

  /** Commits what the session left uncommitted in its worktree (before a merge); the commit, or undefined for nothing. */
  commitWorktree(name: string, message?: string): Promise<string | undefined> {
    return this.worktrees.commitAll(name, message);
  }

  /** Merges the session's branch into its base in the main tree: fast-forward, a merge commit, or the conflict left to resolve. */
  mergeWorktree(name: string): Promise<MergeResult> {
    return this.worktrees.merge(name);
  }

  /** What discarding the session's worktree would lose: uncommitted files and commits its base does not have. */
  worktreeLoss(name: string): Promise<DiscardLoss> {
    return this.worktrees.lossIfDiscarded(name);
  }

  /** Removes the session's worktree and branch (or a kept one's); refuses, naming what would be lost, unless `force`. */
  async discardWorktree(name: string, options: { force?: boolean } = {}): Promise<DiscardResult> {
    const record = this.store.get(name);
    if (record && !isEnded(record)) throw new InstarError('session-live', `Session "${name}" is still ${record.status} in its worktree; kill it before discarding the worktree.`);
    return this.worktrees.discard(name, options);
  }

  /** The worktrees kept when their sessions were removed (review, merge, open and discard them by the session's name). */
  keptWorktrees(): Promise<KeptWorktree[]> {
    return this.kept.list();
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
    return listTmuxSessions(this.servers.client(), (name) => this.store.get(name)?.tmuxSocket === this.socket, workspaceKeyOf(this.options));
  }

  /** The shell command that attaches a terminal to a session. */
  attachCommand(name: string): string {
    const record = this.store.require(name);
    return this.servers.client(record.tmuxSocket).attachCommand(record.tmuxSession);
  }

  /** The shell command that resumes a Claude Code session's conversation. */
  resumeCommand(name: string): string | undefined {
    const record = this.store.require(name);
    if (!record.claudeSessionId) return undefined;
    return `cd ${shellQuote(record.cwd)} && ${shellQuote(record.agentCommand)} --resume ${record.claudeSessionId}`;
  }

  /**
   * A terminal binding to a session (not started: subscribe to its events, then start it).
   * The VS Code side builds editor terminals on it without knowing tmux.
   */
  terminalBinding(name: string, size: { cols: number; rows: number }): TerminalBinding {
    const record = this.store.require(name);
    const client = this.servers.client(record.tmuxSocket);
    return new TerminalBinding({
      binary: client.binary,
      socketArgs: client.socketArgs(),
      session: record.tmuxSession,
      cols: size.cols,
      rows: size.rows,
      bracketedPaste: record.agentKind === 'claude',
      logger: this.logger,
      runner: this.tools,
    });
  }

  dispose(): void {
    this.tracker.dispose();
    this.usage.dispose();
    this.worktrees.dispose();
    this.outputs.dispose();
    this.store.dispose();
  }
}
