/**
 * The session engine: the one entry point of the core. It spawns agents in tmux, keeps their
 * true status, and talks to them, as a thin facade over the parts that do each (engineParts.ts
 * builds and connects them). Usage, worktrees and terminals have small facades of their own
 * (`engine.usage`, `.worktrees`, `.terminals`).
 */
import { randomUUID } from 'node:crypto';
import type { ClaudeSignIn } from '../agent/claudeSignIn';
import { ConversationReader } from '../agent/conversationReader';
import type { PermissionMode } from '../model/permissionMode';
import { isEnded, type AgentKind, type SessionRecord } from '../model/sessionRecord';
import { listTmuxSessions, TmuxSessionInfo } from '../tmux/tmuxSessions';
import { PriceTable } from '../usage/priceTable';
import { InstarError } from '../util/errors';
import type { Event } from '../util/emitter';
import { EngineOptions, EngineSettings, OutputRequest, SpawnRequest, tmuxSettingsOf } from './engineOptions';
import { EngineParts } from './engineParts';
import { SearchResult, searchSessions } from './conversationSearch';
import type { Answered, ShownDialog } from './sessionInput';
import { resultOf, SessionResult } from './sessionResults';
import type { SessionsChange } from './sessionStore';
import type { SpawnRefusal } from './spawnLimits';
import { workspaceKeyOf } from './recordTags';
import type { EngineTerminals } from './engineTerminals';
import type { EngineUsage } from './engineUsage';
import type { EngineWorktrees } from './engineWorktrees';
import type { OtherWorkspaces, StatePublisher } from './workspacePresence';
import type { BudgetNotice } from './usageTracker';

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
  /** The live sessions of the other workspaces on this engine's tmux server, as of its last listing, and their changes. */
  readonly others: OtherWorkspaces;
  /** Publishes this workspace's sessions' states for the others on the server: on while this engine leads. */
  readonly publisher: StatePublisher;
  /** Usage totals, job costs, budgets. */
  readonly usage: EngineUsage;
  /** Worktree sessions' review, commit, merge and discard, and the worktrees kept after them. */
  readonly worktrees: EngineWorktrees;
  /** Terminal bindings, and the commands that attach to a session or resume it. */
  readonly terminals: EngineTerminals;
  /** Fires when a session or the day nears (80 %) or reaches a budget. */
  readonly onBudget: (listener: (notice: BudgetNotice) => void) => { dispose(): void };
  /** This engine, in the events it writes for the other engines of its workspace. */
  readonly engineId = randomUUID();
  private prices: PriceTable;
  private readonly parts: EngineParts;
  private starting: Promise<void> | undefined;

  private constructor(private options: EngineOptions) {
    this.prices = new PriceTable(options.prices);
    const parts = new EngineParts({ options, current: () => this.options, prices: () => this.prices, engineId: this.engineId });
    this.parts = parts;
    this.onDidChange = parts.store.onDidChange;
    this.others = parts.others;
    this.publisher = parts.publisher;
    this.usage = parts.usage;
    this.worktrees = parts.worktrees;
    this.terminals = parts.terminals;
    this.onBudget = parts.usageTracker.onBudget;
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

  /**
   * Whether this engine leads its workspace (the host's leader election says): while it does, it
   * publishes its sessions' states for the other workspaces on the server, and keeps the registry
   * of ended sessions to instar.sessions.keepEnded.
   */
  setLeading(on: boolean): void {
    this.publisher.setPublishing(on);
    this.parts.retention.setLeading(on);
  }

  /** Reads the events written while none ran and reconciles with tmux (once; later calls share it). */
  start(): Promise<void> {
    this.starting ??= this.parts.start();
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
    return this.parts.agents.command;
  }

  /** The program sessions of `kind` run (its setting, else its name on PATH; none set for "other"). */
  agentProgram(kind: AgentKind): string | undefined {
    return this.parts.agents.program(kind);
  }

  /** Where the program of `kind` is (searched again) and the environment its sessions add, to run it by hand (a login). */
  agentByHand(kind: AgentKind): Promise<{ path: string; env: Record<string, string> }> {
    return this.parts.agents.byHand(kind);
  }

  /** How Claude Code signs in with the environment an agent gets, or what to do when it cannot. */
  claudeSignIn(): Promise<ClaudeSignIn> {
    return this.parts.agents.claudeSignIn();
  }

  /** The agent CLIs this machine has (their programs found), the default kind's first. */
  installedAgents(): Promise<AgentKind[]> {
    return this.parts.agents.installed();
  }

  /** The kind a spawn that names none starts. */
  get defaultAgent(): AgentKind {
    return this.parts.agents.defaultKind;
  }

  /** The permission mode a spawn that names none runs in (instar.permissionMode), as the spawner decides it. */
  get defaultPermissionMode(): PermissionMode {
    return this.parts.agents.defaultPermissionMode;
  }

  /**
   * Changes settings for what comes next: later spawns use the new agent, socket and
   * environment; existing sessions stay on the server they were started on.
   */
  configure(settings: Partial<EngineSettings>): void {
    this.options = { ...this.options, ...settings };
    if ('prices' in settings) this.prices = new PriceTable(settings.prices);
    if ('keepEnded' in settings) this.parts.retention.soon();
    this.parts.servers.configure(tmuxSettingsOf(this.options));
  }

  /** Every session the engine knows, oldest first. */
  list(): SessionRecord[] {
    return this.parts.store.list();
  }

  get(name: string): SessionRecord | undefined {
    return this.parts.store.get(name);
  }

  /** Throws a not-found error naming the known sessions. */
  require(name: string): SessionRecord {
    return this.parts.store.require(name);
  }

  /** Checks that tmux is usable; throws the typed error that says what to do. */
  async checkTmux(): Promise<string> {
    return (await this.parts.servers.client().ensureVersion()).text;
  }

  /** Checks that the agent program can be found (searching again); returns its path. */
  checkAgent(): Promise<string> {
    return this.parts.agents.check();
  }

  spawn(request: SpawnRequest): Promise<SessionRecord> {
    return this.parts.spawner.spawn(request);
  }

  /** Spawns refused for a limit (maxLive, maxSpawnDepth) since the last that got through; undefined while none is. */
  get spawnRefusal(): SpawnRefusal | undefined {
    return this.parts.spawner.refusal;
  }

  /** Fires when spawns start being refused for a limit, and with undefined once one gets through again. */
  get onDidChangeSpawnRefusal(): Event<SpawnRefusal | undefined> {
    return this.parts.spawner.onDidChangeRefusal;
  }

  /** Checks every live session now (exits, vanished sessions, screens where needed). */
  refresh(): Promise<void> {
    return this.parts.tracker.refresh();
  }

  /** Starts, changes or (with 0) stops the timer that checks live sessions. */
  setMonitorInterval(intervalMs: number): void {
    this.parts.tracker.setMonitorInterval(intervalMs);
  }

  /** The last lines of a session's output; after the tmux session is gone, its saved snapshot. */
  async output(name: string, request: OutputRequest = {}): Promise<string> {
    return this.parts.outputs.read(this.parts.store.require(name), request);
  }

  sendInput(name: string, text: string, options: { submit?: boolean } = {}): Promise<void> {
    return this.parts.input.sendInput(name, text, options);
  }

  sendKeys(name: string, keys: readonly string[]): Promise<void> {
    return this.parts.input.sendKeys(name, keys);
  }

  /** The dialog the session shows (trust, permission, a question…), with its options; waits up to `waitMs` for one. */
  dialog(name: string, waitMs = 0): Promise<ShownDialog | undefined> {
    return this.parts.input.dialog(name, waitMs);
  }

  /** Chooses an option of the dialog on screen by its label, with arrows and Enter. */
  answer(name: string, option: string): Promise<Answered> {
    return this.parts.input.answer(name, option);
  }

  /** Presses Enter again if a paste submitted at `since` was not taken; see SessionInput. */
  ensureSubmitted(name: string, since: number, waitMs?: number, text?: string): Promise<boolean> {
    return this.parts.input.ensureSubmitted(name, since, waitMs, text);
  }

  /**
   * A reader of the session's conversation (its transcript's items), to follow it as it grows;
   * undefined while Claude Code has not reported a transcript.
   */
  conversation(name: string): ConversationReader | undefined {
    const record = this.parts.store.require(name);
    return record.transcriptPath ? new ConversationReader(record.transcriptPath, record.agentKind) : undefined;
  }

  /** Searches every session's name, prompt and conversation (ended ones too); at most `limit` matches. */
  search(query: string, limit?: number): Promise<SearchResult> {
    return searchSessions(this.parts.store.list(), query, limit);
  }

  /** The last answer of a session and its turn count, from its events (there after it ended, or tmux was lost). */
  async result(name: string): Promise<SessionResult> {
    const record = this.parts.store.require(name);
    return resultOf(record, await this.parts.tracker.eventsOf(record.id));
  }

  /**
   * The record of `name` once `predicate` holds for it (now or at a later change), or undefined
   * at `timeoutMs` or when `signal` aborts. Costs no tmux call: the store's change event drives it.
   */
  waitFor(name: string, predicate: (record: SessionRecord | undefined) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<SessionRecord | undefined> {
    return this.parts.store.waitFor(name, predicate, timeoutMs, signal);
  }

  /** What `probe` returns once it returns something (now or at a later change of the sessions), or undefined at `timeoutMs` or when `signal` aborts. */
  waitUntil<T>(probe: () => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T | undefined> {
    return this.parts.store.waitUntil(probe, timeoutMs, signal);
  }

  kill(name: string): Promise<SessionRecord> {
    return this.parts.lifecycle.kill(name);
  }

  /**
   * Forgets an ended session. Its worktree is kept unless `discardWorktree` (which refuses, naming
   * what would be lost, unless `force`): nothing of a session's work goes without being asked.
   */
  async remove(name: string, options: { discardWorktree?: boolean; force?: boolean } = {}): Promise<void> {
    const record = this.parts.store.require(name);
    if (options.discardWorktree && record.worktree && !record.worktreeDiscarded) {
      if (!isEnded(record)) throw new InstarError('session-live', `Session "${name}" is still ${record.status}; kill it before removing it.`);
      await this.parts.sessionWorktrees.discard(name, { force: options.force });
    }
    return this.parts.lifecycle.remove(name);
  }

  /** Takes over a tmux session of the configured server that Instar did not start. */
  adopt(tmuxSession: string): Promise<SessionRecord> {
    return this.parts.lifecycle.adopt(tmuxSession);
  }

  /** Starts an ended Claude Code session's conversation again; `text` is submitted once it is back. */
  resume(name: string, text?: string): Promise<SessionRecord> {
    return this.parts.lifecycle.resume(name, text);
  }

  /** The sessions of the configured tmux server, including ones the engine did not start. */
  listTmuxSessions(): Promise<TmuxSessionInfo[]> {
    const ours = new Map(this.parts.store.all().filter((record) => record.tmuxSocket === this.socket).map((record) => [record.tmuxSession, record.name]));
    return listTmuxSessions(this.parts.servers.client(), (tmuxName) => ours.get(tmuxName), workspaceKeyOf(this.options));
  }

  dispose(): void {
    this.parts.dispose();
  }
}
