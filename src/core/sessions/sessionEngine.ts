/**
 * The session engine: spawns agents in tmux, keeps their true status, and talks to them.
 *
 * Status comes from three sources, strongest first: Claude Code hooks (seen through the
 * events folder within milliseconds), the pane's exit status (one `list-panes` per refresh for
 * every session), and, only where those cannot tell, the screen of the few sessions in a
 * transitional state.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { hookSettings } from '../agent/hookSettings';
import { agentKindOf, launchArgv, promptFitsArgv } from '../agent/launchSpec';
import { resolveCommand } from '../agent/resolveCommand';
import { InstarError, invalidInput, isInstarError } from '../util/errors';
import { Clock, Logger, silentLogger, Storage, systemClock } from '../util/host';
import { Registry } from '../registry/registry';
import { HookEvent } from '../status/hookEvents';
import { HookWatcher } from '../status/hookWatcher';
import { classifyScreen, inputBoxText } from '../status/screen';
import { CLAUDE_QUIET_MS, StatusInput, transition } from '../status/transitions';
import * as tmux from '../tmux/commands';
import { exitCodeOf, PaneInfo } from '../tmux/parse';
import { TmuxClient } from '../tmux/tmuxClient';
import { TerminalBinding } from '../terminal/terminalBinding';
import { CommandRunner, ProcessRunner } from '../util/commandRunner';
import { coalesce } from '../util/coalesce';
import { delay } from '../util/delay';
import { Emitter } from '../util/emitter';
import { shellQuote } from '../util/shellQuote';
import { lastLines, stripAnsi, trimLineEnds } from '../util/text';
import type { PermissionMode } from '../model/permissionMode';
import { SessionFiles } from './sessionFiles';
import { isEnded, SessionRecord } from '../model/sessionRecord';
import {
  DEFAULT_MODEL,
  MAX_PROMPT_BYTES,
  validateArgs,
  validateModel,
  validateName,
  validatePermissionMode,
  validateText,
} from './validation';

export interface EngineOptions {
  /** Folder for hook events, generated settings and output snapshots. */
  stateDir: string;
  storage: Storage;
  /** tmux -L socket name; '' for the user's default server. */
  socket: string;
  tmuxBinary?: string;
  tmuxTimeoutMs?: number;
  /** The agent program (default "claude"). */
  agentCommand?: string;
  /** Variables every agent gets (API endpoint, INSTAR_SERVER_URL…). */
  agentEnv?: Record<string, string>;
  /** Arguments every agent gets before the per-spawn ones. */
  agentArgs?: string[];
  defaultModel?: string;
  defaultPermissionMode?: PermissionMode;
  /** How often live sessions are checked, in ms; 0 stops the timer (refresh() still works). */
  monitorIntervalMs?: number;
  width?: number;
  height?: number;
  historyLimit?: number;
  /** Pause between typed text and the Enter that submits it. */
  submitDelayMs?: number;
  logger?: Logger;
  clock?: Clock;
  runner?: CommandRunner;
}

/** The options that can change while the engine runs (from settings); they apply to later spawns. */
export type EngineSettings = Pick<
  EngineOptions,
  'socket' | 'agentCommand' | 'agentEnv' | 'agentArgs' | 'defaultModel' | 'defaultPermissionMode' | 'tmuxBinary'
>;

export interface SpawnRequest {
  name: string;
  prompt?: string;
  model?: string;
  cwd: string;
  jobSlug?: string;
  permissionMode?: PermissionMode;
  extraArgs?: string[];
  env?: Record<string, string>;
}

export interface OutputRequest {
  /** 1–10000, default 100; a whole number or its decimal text (from a query string). */
  lines?: number | string;
  /** Keep colours as ANSI escapes. */
  ansi?: boolean;
}

export interface SessionsChange {
  changed: SessionRecord[];
  removed: string[];
}

export interface TmuxSessionInfo {
  name: string;
  panes: number;
  dead: boolean;
  attached: boolean;
  createdAt: number | undefined;
  /** The size of its (first) pane. */
  width: number | undefined;
  height: number | undefined;
  /** The engine has a record of this session. */
  known: boolean;
  /** The shell command that attaches a terminal to it. */
  attachCommand: string;
}

export const MAX_OUTPUT_LINES = 10_000;
export const DEFAULT_OUTPUT_LINES = 100;
export const MAX_INPUT_BYTES = 1024 * 1024;
/** Longer or multi-line input is pasted (bracketed) rather than typed. */
const TYPE_LIMIT_BYTES = 1024;
/** The prompt shown in records and lists is cut to this many characters. */
const RECORD_PROMPT_CHARS = 16 * 1024;
const KEY_PATTERN =
  /^(Escape|Enter|Tab|BTab|BSpace|Space|Up|Down|Left|Right|Home|End|PageUp|PageDown|PgUp|PgDn|PPage|NPage|IC|DC|F([1-9]|1[0-2])|[CMS]-([A-Za-z0-9]|Space|Enter|Tab|Up|Down|Left|Right)|[\x21-\x7e])$/;

export class SessionEngine {
  private readonly changes = new Emitter<SessionsChange>();
  /** Fires after records change, with the changed records and the names removed. */
  readonly onDidChange = this.changes.event;
  readonly registry: Registry;
  readonly files: SessionFiles;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly runner: CommandRunner;
  private readonly clients = new Map<string, TmuxClient>();
  private readonly watcher: HookWatcher;
  private readonly inputQueues = new Map<string, Promise<unknown>>();
  private readonly snapshotTimers = new Map<string, NodeJS.Timeout>();
  private readonly delivering = new Set<string>();
  private monitorTimer: NodeJS.Timeout | undefined;
  private monitorIntervalMs: number;
  private disposed = false;
  private readonly deadWithoutStatus = new Map<string, number>();
  private readonly agentPaths = new Map<string, string>();
  /** When each recent spawn's tmux session was up; until a listing shows it, by id. */
  private readonly spawnedAt = new Map<string, number>();

  private constructor(private options: EngineOptions) {
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.runner = options.runner ?? new ProcessRunner();
    this.registry = new Registry(options.storage);
    this.files = new SessionFiles(options.stateDir);
    this.watcher = new HookWatcher(this.files.eventsDir, this.logger);
    this.watcher.onEvents((events) => this.applyHookEvents(events));
    this.monitorIntervalMs = options.monitorIntervalMs ?? 1000;
  }

  /** Creates an engine, reads the events written while none ran, and reconciles with tmux. */
  static async create(options: EngineOptions): Promise<SessionEngine> {
    const engine = new SessionEngine(options);
    await fs.mkdir(options.stateDir, { recursive: true, mode: 0o700 });
    await engine.files.prepare(hookSettings(engine.files.eventsDir));
    await engine.watcher.start();
    try {
      await engine.refresh();
    } catch (error) {
      // tmux missing or broken: the engine still starts, so the host can show why.
      engine.logger.warn(`Could not reconcile with tmux at start: ${(error as Error).message}`);
    }
    engine.setMonitorInterval(engine.monitorIntervalMs);
    return engine;
  }

  get socket(): string {
    return this.options.socket;
  }

  /**
   * Changes settings for what comes next: later spawns use the new agent, socket and
   * environment; existing sessions stay on the server they were started on.
   */
  configure(settings: Partial<EngineSettings>): void {
    const tmuxChanged = settings.tmuxBinary !== undefined && settings.tmuxBinary !== this.options.tmuxBinary;
    this.options = { ...this.options, ...settings };
    if (tmuxChanged) this.clients.clear();
  }

  get agentCommand(): string {
    return this.options.agentCommand ?? 'claude';
  }

  /** Every session the engine knows, oldest first. */
  list(): SessionRecord[] {
    return this.registry.all().sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name));
  }

  get(name: string): SessionRecord | undefined {
    return this.registry.get(name);
  }

  /** Throws a not-found error naming the known sessions. */
  require(name: string): SessionRecord {
    const record = typeof name === 'string' ? this.registry.get(name) : undefined;
    if (record) return record;
    const known = this.list().map((r) => r.name);
    throw new InstarError(
      'not-found',
      `There is no session named ${JSON.stringify(name)}.${known.length ? ` Known sessions: ${known.slice(0, 20).join(', ')}${known.length > 20 ? '…' : ''}.` : ' No sessions exist yet.'}`,
    );
  }

  /** Checks that tmux is usable; throws the typed error that says what to do. */
  async checkTmux(): Promise<string> {
    return (await this.client().ensureVersion()).text;
  }

  /** Checks that the agent program can be found; returns its path. */
  checkAgent(): Promise<string> {
    this.agentPaths.delete(this.agentCommand);
    return this.resolveAgent();
  }

  /** The agent's path, searched on PATH once and then only checked to be still executable. */
  private async resolveAgent(): Promise<string> {
    const command = this.agentCommand;
    const cached = this.agentPaths.get(command);
    if (cached) {
      try {
        await fs.access(cached, fsConstants.X_OK);
        return cached;
      } catch {
        this.agentPaths.delete(command);
      }
    }
    const found = await resolveCommand(command);
    this.agentPaths.set(command, found);
    return found;
  }

  // ---------------------------------------------------------------- spawn

  async spawn(request: SpawnRequest): Promise<SessionRecord> {
    if (typeof request !== 'object' || request === null) throw invalidInput('A spawn request needs at least a name and a working directory.');
    const name = validateName(request.name);
    const prompt = request.prompt === undefined || request.prompt === null ? '' : validateText(request.prompt, 'prompt', MAX_PROMPT_BYTES);
    const model = validateModel(request.model ?? this.options.defaultModel ?? DEFAULT_MODEL);
    const permissionMode = validatePermissionMode(request.permissionMode ?? this.options.defaultPermissionMode);
    const jobSlug = request.jobSlug === undefined || request.jobSlug === null || request.jobSlug === '' ? undefined : validateName(request.jobSlug, 'job slug');
    const extraArgs = [...(this.options.agentArgs ?? []), ...validateArgs(request.extraArgs)];
    const cwd = await this.validateCwd(request.cwd);
    const client = this.client();
    await client.ensureVersion();
    const agentPath = await this.resolveAgent();
    const agentKind = agentKindOf(this.agentCommand);

    const id = randomUUID();
    const now = this.clock.now();
    const promptBytes = Buffer.byteLength(prompt, 'utf8');
    const pasted = prompt !== '' && !promptFitsArgv(prompt);
    const record: SessionRecord = {
      name,
      id,
      status: 'starting',
      statusSince: now,
      statusSignal: 'spawn',
      model,
      prompt: prompt.length > RECORD_PROMPT_CHARS ? prompt.slice(0, RECORD_PROMPT_CHARS) : prompt,
      promptBytes,
      jobSlug,
      cwd,
      permissionMode,
      agentKind,
      agentCommand: this.agentCommand,
      createdAt: now,
      tmuxSocket: client.socket,
      tmuxSession: name,
      claudeSessionId: agentKind === 'claude' ? id : undefined,
      pendingPrompt: pasted || undefined,
    };

    const { added, holder } = this.registry.add(record);
    if (!added) {
      throw new InstarError(
        'name-taken',
        `A session named "${name}" already exists (${holder.status}${holder.endedAt ? ', ended' : ''}). Choose another name${isEnded(holder) ? ', or remove the ended session first' : ''}.`,
      );
    }
    try {
      if (pasted) await this.files.writePrompt(id, prompt);
      const command = launchArgv({
        agentCommand: agentKind === 'claude' ? agentPath : this.agentCommand,
        agentKind,
        sessionId: id,
        model,
        permissionMode,
        settingsFile: this.files.settingsFile,
        statusFile: this.files.statusFile(id),
        extraArgs,
        prompt: pasted ? undefined : prompt,
        env: { ...this.options.agentEnv, ...request.env, INSTAR_SESSION_NAME: name },
      });
      const paneId = await this.createTmuxSession(client, name, cwd, command);
      this.spawnedAt.set(id, this.clock.now());
      const current = this.registry.get(name);
      if (current?.id === id) {
        const next = { ...current, paneId };
        this.registry.put(next);
      }
    } catch (error) {
      this.registry.delete(name, id);
      await this.files.remove(id).catch(() => undefined);
      // One tmux call creates the session; tmux itself refuses a name it already has.
      if (isInstarError(error, 'tmux-failed') && /duplicate session/i.test(error.message)) {
        throw new InstarError('name-taken', `The tmux server already has a session named "${name}" that Instar did not start. Choose another name.`);
      }
      throw error;
    }
    await this.commit([this.registry.get(name)!]);
    this.logger.info(`Spawned ${name} (${model}, ${permissionMode}${pasted ? `, ${promptBytes}-byte prompt to paste` : ''}) in ${cwd}`);
    return this.registry.get(name)!;
  }

  private async validateCwd(cwd: unknown): Promise<string> {
    if (typeof cwd !== 'string' || cwd === '') throw invalidInput('The working directory must be given as an absolute path.');
    if (!path.isAbsolute(cwd)) throw invalidInput(`The working directory must be an absolute path, not ${JSON.stringify(cwd)}.`);
    try {
      const stat = await fs.stat(cwd);
      if (!stat.isDirectory()) throw invalidInput(`The working directory ${cwd} is not a folder.`);
    } catch (error) {
      if (isInstarError(error)) throw error;
      throw invalidInput(`The working directory ${cwd} does not exist.`);
    }
    return path.resolve(cwd);
  }

  private async createTmuxSession(client: TmuxClient, name: string, cwd: string, command: string[]): Promise<string | undefined> {
    const width = this.options.width ?? 200;
    const height = this.options.height ?? 50;
    const history = String(Math.max(50_000, this.options.historyLimit ?? 50_000));
    const create = tmux.newSession({ name, cwd, width, height, command });
    let output: string;
    if (client.socket) {
      // Our own server: its global options are ours. remain-on-exit must be set before the pane
      // exists, or a quick exit loses its status.
      output = await client.run([
        tmux.startServer(),
        tmux.setGlobalOption('remain-on-exit', 'on'),
        tmux.setGlobalOption('history-limit', history),
        tmux.setGlobalOption('focus-events', 'on'),
        create,
      ]);
    } else {
      // The user's default server: raise the history limit only while creating our pane, and
      // set remain-on-exit on our pane alone, in the same call (before tmux handles any exit).
      const previous = (await client.run([tmux.showGlobalOption('history-limit')]).catch(() => '2000')).trim() || '2000';
      output = await client.run([
        tmux.setGlobalOption('history-limit', history),
        create,
        tmux.setPaneOption(tmux.sessionPane(name), 'remain-on-exit', 'on'),
        tmux.setGlobalOption('history-limit', previous),
      ]);
    }
    return output.split('\n').find((line) => /^%\d+$/.test(line.trim()))?.trim();
  }

  // ---------------------------------------------------------------- refresh

  /** Starts, changes or (with 0) stops the timer that checks live sessions. */
  setMonitorInterval(intervalMs: number): void {
    this.monitorIntervalMs = intervalMs;
    if (this.monitorTimer) clearTimeout(this.monitorTimer);
    this.monitorTimer = undefined;
    if (intervalMs > 0 && !this.disposed) this.scheduleMonitor(intervalMs);
  }

  private scheduleMonitor(ms: number): void {
    if (this.monitorTimer) clearTimeout(this.monitorTimer);
    this.monitorTimer = setTimeout(async () => {
      this.monitorTimer = undefined;
      if (this.registry.all().some((record) => !isEnded(record))) {
        await this.refresh().catch((error) => this.logger.debug(`Refresh failed: ${(error as Error).message}`));
      }
      if (this.monitorIntervalMs > 0 && !this.disposed && !this.monitorTimer) this.scheduleMonitor(this.monitorIntervalMs);
    }, ms);
    this.monitorTimer.unref?.();
  }

  /** Brings the next check forward (after an event that announces an exit). */
  private refreshSoon(ms: number): void {
    setTimeout(() => void this.refresh().catch(() => undefined), ms).unref?.();
  }

  /**
   * Checks every live session with one tmux call per server: exits, vanished sessions, and
   * the screens of the few sessions whose state the hooks cannot settle. Concurrent calls share
   * one run (and ask for one more when they arrive during it).
   */
  readonly refresh: () => Promise<void> = coalesce(() => this.refreshOnce(), () => this.disposed);

  private async refreshOnce(): Promise<void> {
    const bySocket = new Map<string, SessionRecord[]>();
    for (const record of this.registry.all()) {
      if (isEnded(record)) continue;
      const list = bySocket.get(record.tmuxSocket) ?? [];
      list.push(record);
      bySocket.set(record.tmuxSocket, list);
    }
    const screenChecks: Promise<void>[] = [];
    const changed: SessionRecord[] = [];
    for (const [socket, records] of bySocket) {
      const listedAt = this.clock.now();
      const panes = await this.client(socket).listPanes();
      const bySession = new Map<string, PaneInfo>();
      for (const pane of panes) if (!bySession.has(pane.sessionName)) bySession.set(pane.sessionName, pane);
      const now = this.clock.now();
      for (const record of records) {
        const pane = bySession.get(record.tmuxSession);
        if (pane) this.spawnedAt.delete(record.id);
        if (!pane) {
          // Only a listing that began after the session was created can tell it has vanished:
          // a spawn in progress, or one that ended while this listing was under way, is not judged.
          const spawned = this.spawnedAt.get(record.id);
          if (record.paneId === undefined ? now - record.createdAt < 5000 : spawned !== undefined && spawned >= listedAt) continue;
          const status = await this.files.readExitStatus(record.id);
          const next = this.apply(record, status === undefined ? { kind: 'vanished', at: now } : { kind: 'exit', exitCode: status, at: now });
          if (next) changed.push(next);
        } else if (pane.dead) {
          // The wrapper's status file is written just before the pane closes; tmux's own status
          // can come a moment later, or (see launchSpec) never.
          const exitCode = (await this.files.readExitStatus(record.id)) ?? exitCodeOf(pane);
          if (exitCode === null) {
            const since = this.deadWithoutStatus.get(record.id) ?? now;
            this.deadWithoutStatus.set(record.id, since);
            if (now - since < 3000) {
              this.refreshSoon(100);
              continue;
            }
          }
          this.deadWithoutStatus.delete(record.id);
          await this.saveSnapshot(record);
          const next = this.apply(record, { kind: 'exit', exitCode, at: pane.deadAt ?? now });
          if (next) changed.push(next);
        } else {
          let current = record;
          if (pane.paneId !== record.paneId || pane.pid !== record.panePid) {
            current = { ...record, paneId: pane.paneId, panePid: pane.pid };
            this.registry.put(current);
            changed.push(current);
          }
          if (this.needsScreen(current, pane, now)) screenChecks.push(this.checkScreen(current, pane));
        }
      }
    }
    await Promise.all(screenChecks);
    if (changed.length > 0) await this.commit(changed);
  }

  /** Whether only the screen can tell this session's state now. */
  private needsScreen(record: SessionRecord, pane: PaneInfo, now: number): boolean {
    if (record.agentKind !== 'claude') return true;
    if (record.pendingPrompt) return true;
    switch (record.status) {
      case 'starting':
        return now - record.createdAt >= 1000;
      case 'waiting':
        return true;
      case 'running':
        return (record.toolPending !== undefined && record.permissionMode !== 'bypassPermissions') || quietFor(pane, now) >= CLAUDE_QUIET_MS;
      default:
        return false;
    }
  }

  private async checkScreen(record: SessionRecord, pane: PaneInfo): Promise<void> {
    let text: string;
    try {
      text = await this.client(record.tmuxSocket).run([tmux.capturePane(pane.paneId, { history: 0, ansi: false })]);
    } catch {
      return; // Gone meanwhile: the next refresh sees it.
    }
    const now = this.clock.now();
    const screen = classifyScreen(text);
    const current = this.registry.get(record.name);
    if (!current || current.id !== record.id) return;
    const next = this.apply(current, { kind: 'screen', screen, at: now, quietMs: quietFor(pane, now) });
    if (next) await this.commit([next]);
    const latest = this.registry.get(record.name);
    if (latest?.pendingPrompt && latest.id === record.id) {
      const ready = latest.agentKind === 'claude' ? screen.kind === 'idle' : quietFor(pane, now) >= 2000;
      if (ready) void this.deliverPendingPrompt(latest);
    }
  }

  /** Pastes a prompt that was too long for argv, once the agent shows its input box. */
  private async deliverPendingPrompt(record: SessionRecord): Promise<void> {
    if (this.delivering.has(record.id)) return;
    this.delivering.add(record.id);
    try {
      const prompt = await this.files.readPrompt(record.id);
      this.logger.info(`Pasting the ${record.promptBytes}-byte prompt of ${record.name}`);
      const since = this.clock.now();
      await this.enqueueInput(record.name, () => this.typeText(record, prompt, true));
      await this.enqueueInput(record.name, () => this.ensureSubmitted(record.name, since));
      const current = this.registry.get(record.name);
      if (current?.id === record.id && current.pendingPrompt) {
        const next = { ...current, pendingPrompt: undefined };
        this.registry.put(next);
        await this.commit([next]);
      }
    } catch (error) {
      this.logger.error(`Could not deliver the prompt of ${record.name}: ${(error as Error).message}`);
    } finally {
      this.delivering.delete(record.id);
    }
  }

  // ---------------------------------------------------------------- hooks

  private applyHookEvents(events: HookEvent[]): void {
    const changed = new Map<string, SessionRecord>();
    for (const event of events) {
      const record = this.registry.byId(event.sessionId);
      if (!record) {
        this.logger.debug(`Hook ${event.name} for an unknown session ${event.sessionId}`);
        continue;
      }
      this.logger.trace(`hook ${record.name} ${event.name}${event.toolName ? ` ${event.toolName}` : ''}${event.notificationType ? ` ${event.notificationType}` : ''}`);
      const next = this.apply(record, { kind: 'hook', event });
      if (next) changed.set(next.name, next);
      if (event.name === 'Stop' || event.name === 'StopFailure') this.snapshotSoon(record);
      if (event.name === 'SessionEnd') {
        this.refreshSoon(100);
        this.refreshSoon(600);
      }
      if (event.name === 'PreToolUse' && record.permissionMode !== 'bypassPermissions') this.refreshSoon(700);
    }
    if (changed.size > 0) void this.commit([...changed.values()]);
  }

  // ---------------------------------------------------------------- output

  /** The last lines of a session's output; after the tmux session is gone, its saved snapshot. */
  async output(name: string, request: OutputRequest = {}): Promise<string> {
    const record = this.require(name);
    const lines = validateLines(request.lines);
    const ansi = request.ansi === true;
    try {
      const text = await this.client(record.tmuxSocket).run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: lines, ansi })]);
      return lastLines(ansi ? text : trimLineEnds(text), lines);
    } catch (error) {
      if (!isInstarError(error, 'not-found') && !isInstarError(error, 'server-gone')) throw error;
    }
    const snapshot = await this.files.readSnapshot(record.id);
    if (snapshot === undefined) {
      throw new InstarError('not-found', `Session "${name}" has no output: its tmux session is gone and no snapshot was saved.`);
    }
    return lastLines(ansi ? snapshot : trimLineEnds(stripAnsi(snapshot)), lines);
  }

  private snapshotSoon(record: SessionRecord): void {
    clearTimeout(this.snapshotTimers.get(record.id));
    const timer = setTimeout(() => {
      this.snapshotTimers.delete(record.id);
      void this.saveSnapshot(record);
    }, 500);
    timer.unref?.();
    this.snapshotTimers.set(record.id, timer);
  }

  private async saveSnapshot(record: SessionRecord): Promise<void> {
    try {
      const text = await this.client(record.tmuxSocket).run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: MAX_OUTPUT_LINES, ansi: true })]);
      await this.files.writeSnapshot(record.id, lastLines(text, MAX_OUTPUT_LINES));
    } catch (error) {
      this.logger.debug(`No snapshot of ${record.name}: ${(error as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- input

  /**
   * Sends text as if typed: literally (key names stay text), pasted with bracketed paste when
   * it is long or has several lines, then, when `submit`, an Enter after a short pause so the
   * agent takes it as a submission and not as part of the paste.
   */
  async sendInput(name: string, text: string, options: { submit?: boolean } = {}): Promise<void> {
    const record = this.requireLive(name);
    validateText(text, 'input', MAX_INPUT_BYTES);
    const submit = options.submit ?? true;
    if (text === '' && !submit) return;
    const since = this.clock.now();
    const pasted = await this.enqueueInput(name, () => this.typeText(record, text, submit));
    if (pasted && submit) void this.enqueueInput(name, () => this.ensureSubmitted(name, since)).catch(() => undefined);
  }

  /** Sends keys by name (Escape, Enter, C-c, Up, 1, y…) to answer dialogs. */
  async sendKeys(name: string, keys: readonly string[]): Promise<void> {
    const record = this.requireLive(name);
    if (!Array.isArray(keys) || keys.length === 0 || keys.length > 100) throw invalidInput('Give 1 to 100 keys, such as ["Escape"], ["1"] or ["C-c"].');
    for (const key of keys) {
      if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
        throw invalidInput(
          `Unknown key ${JSON.stringify(key)}: use a single printable character, Enter, Escape, Tab, BTab, BSpace, Space, Up, Down, Left, Right, Home, End, PageUp, PageDown, F1–F12, or C-/M-/S- with a letter or digit (C-c). To type text, send input instead.`,
        );
      }
    }
    await this.enqueueInput(name, () => this.client(record.tmuxSocket).run([tmux.sendKeys(tmux.sessionPane(record.tmuxSession), keys)]));
  }

  private requireLive(name: string): SessionRecord {
    const record = this.require(name);
    if (isEnded(record)) {
      throw new InstarError(
        'session-ended',
        `Session "${name}" has ended (${record.status}${record.exitCode !== undefined && record.exitCode !== null ? `, exit status ${record.exitCode}` : ''}); it cannot take input.${record.claudeSessionId ? ` Its conversation can be resumed with: claude --resume ${record.claudeSessionId}` : ''}`,
      );
    }
    return record;
  }

  /** Input to one session is sent in order, one piece at a time, so texts never interleave. */
  private enqueueInput<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.inputQueues.get(name) ?? Promise.resolve();
    const result = previous.catch(() => undefined).then(work);
    const settled = result.catch(() => undefined);
    this.inputQueues.set(name, settled);
    void settled.then(() => {
      if (this.inputQueues.get(name) === settled) this.inputQueues.delete(name);
    });
    return result;
  }

  /** Types or pastes text (and Enter); returns whether it was pasted. */
  private async typeText(record: SessionRecord, text: string, submit: boolean): Promise<boolean> {
    const client = this.client(record.tmuxSocket);
    const target = tmux.sessionPane(record.tmuxSession);
    let pasted = false;
    try {
      const normalized = text.replace(/\r\n?/g, '\n');
      if (normalized !== '') {
        pasted = normalized.includes('\n') || Buffer.byteLength(normalized, 'utf8') > TYPE_LIMIT_BYTES;
        if (pasted) {
          const buffer = `instar-${record.id.slice(0, 8)}-${randomUUID().slice(0, 8)}`;
          await client.run([tmux.loadBufferFromStdin(buffer), tmux.pasteBuffer(buffer, target)], normalized);
        } else {
          await client.run([tmux.sendLiteral(target, normalized)]);
        }
        if (submit) await delay(this.options.submitDelayMs ?? 150);
      }
      if (submit) await client.run([tmux.sendKeys(target, ['Enter'])]);
      return pasted;
    } catch (error) {
      if (isInstarError(error, 'not-found') || isInstarError(error, 'server-gone')) {
        void this.refresh().catch(() => undefined);
        throw new InstarError('session-ended', `Session "${record.name}" is no longer running in tmux; the input was not delivered.`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Makes sure Claude Code took a submitted paste: rarely, under load, the Enter after a
   * bracketed paste is lost and the paste stays in the input box (seen once in 33 trials). If no
   * UserPromptSubmit came within `waitMs` of `since` and the input box still holds text, Enter is
   * pressed once more. Returns whether it was.
   */
  async ensureSubmitted(name: string, since: number, waitMs = 3000): Promise<boolean> {
    const record = this.requireLive(name);
    if (record.agentKind !== 'claude') return false;
    const taken = () => (this.registry.get(name)?.lastPromptAt ?? 0) >= since;
    const deadline = this.clock.now() + waitMs;
    while (!taken() && this.clock.now() < deadline) await delay(100);
    if (taken() || isEnded(this.registry.get(name) ?? record)) return false;
    const client = this.client(record.tmuxSocket);
    const screen = await client.run([tmux.capturePane(tmux.sessionPane(record.tmuxSession), { history: 0, ansi: false })]).catch(() => '');
    if (!inputBoxText(screen)) return false;
    this.logger.warn(`${name}: the paste was not submitted; pressing Enter again`);
    await client.run([tmux.sendKeys(tmux.sessionPane(record.tmuxSession), ['Enter'])]);
    return true;
  }

  // ---------------------------------------------------------------- kill, remove

  /** Ends the tmux session (interrupting a running agent) and keeps the record as killed. */
  async kill(name: string): Promise<SessionRecord> {
    const record = this.require(name);
    const client = this.client(record.tmuxSocket);
    if (!isEnded(record)) {
      const marked = { ...record, killRequested: true };
      this.registry.put(marked);
      await this.saveSnapshot(record);
    }
    try {
      await client.run([tmux.killSession(record.tmuxSession)]);
    } catch (error) {
      if (!isInstarError(error, 'not-found') && !isInstarError(error, 'server-gone')) throw error;
    }
    const current = this.registry.get(name);
    if (current && current.id === record.id) {
      const next = this.apply(current, { kind: 'killed', at: this.clock.now() });
      if (next) await this.commit([next]);
    }
    this.logger.info(`Killed ${name}`);
    return this.registry.get(name) ?? record;
  }

  /** Forgets an ended session, with what remains of its tmux session and its files. */
  async remove(name: string): Promise<void> {
    const record = this.require(name);
    if (!isEnded(record)) {
      throw new InstarError('session-live', `Session "${name}" is still ${record.status}; kill it before removing it.`);
    }
    try {
      await this.client(record.tmuxSocket).run([tmux.killSession(record.tmuxSession)]);
    } catch (error) {
      if (!isInstarError(error, 'not-found') && !isInstarError(error, 'server-gone')) throw error;
    }
    if (this.registry.delete(name, record.id)) {
      await this.registry.save();
      this.changes.fire({ changed: [], removed: [name] });
    }
    await this.files.remove(record.id);
    this.logger.info(`Removed ${name}`);
  }

  // ---------------------------------------------------------------- tmux server

  /** The sessions of the tmux server, including ones the engine did not start. */
  async listTmuxSessions(): Promise<TmuxSessionInfo[]> {
    const sessions = new Map<string, TmuxSessionInfo>();
    for (const pane of await this.client().listPanes()) {
      const existing = sessions.get(pane.sessionName);
      if (existing) {
        existing.panes += 1;
        existing.dead &&= pane.dead;
      } else {
        const record = this.registry.get(pane.sessionName);
        sessions.set(pane.sessionName, {
          name: pane.sessionName,
          panes: 1,
          dead: pane.dead,
          attached: pane.attachedClients > 0,
          createdAt: pane.createdAt,
          width: pane.width,
          height: pane.height,
          known: record !== undefined && record.tmuxSocket === this.socket,
          attachCommand: this.client().attachCommand(pane.sessionName),
        });
      }
    }
    return [...sessions.values()];
  }

  /** The shell command that attaches a terminal to a session. */
  attachCommand(name: string): string {
    const record = this.require(name);
    return this.client(record.tmuxSocket).attachCommand(record.tmuxSession);
  }

  /**
   * A terminal binding to a session (not started: subscribe to its events, then start it).
   * The VS Code side builds editor terminals on it without knowing tmux.
   */
  terminalBinding(name: string, size: { cols: number; rows: number }): TerminalBinding {
    const record = this.require(name);
    const client = this.client(record.tmuxSocket);
    return new TerminalBinding({
      binary: client.binary,
      socketArgs: client.socketArgs(),
      session: record.tmuxSession,
      cols: size.cols,
      rows: size.rows,
      bracketedPaste: record.agentKind === 'claude',
      logger: this.logger,
    });
  }

  /** The shell command that resumes a Claude Code session's conversation. */
  resumeCommand(name: string): string | undefined {
    const record = this.require(name);
    if (!record.claudeSessionId) return undefined;
    return `cd ${shellQuote(record.cwd)} && ${shellQuote(record.agentCommand)} --resume ${record.claudeSessionId}`;
  }

  /** The tmux client for a socket (the configured one by default). */
  client(socket = this.options.socket): TmuxClient {
    let client = this.clients.get(socket);
    if (!client) {
      client = new TmuxClient(this.runner, { socket, binary: this.options.tmuxBinary, timeoutMs: this.options.tmuxTimeoutMs, logger: this.logger });
      this.clients.set(socket, client);
    }
    return client;
  }

  // ---------------------------------------------------------------- state

  /** Applies a status input to the registry; returns the changed record, if any. */
  private apply(record: SessionRecord, input: StatusInput): SessionRecord | undefined {
    const current = this.registry.get(record.name);
    if (!current || current.id !== record.id) return undefined;
    const next = transition(current, input);
    if (!next) return undefined;
    this.registry.put(next);
    if (next.status !== current.status) {
      this.logger.debug(`${next.name}: ${current.status} → ${next.status} (${next.statusSignal}${next.statusDetail ? `: ${next.statusDetail}` : ''})`);
    }
    return next;
  }

  private async commit(records: SessionRecord[]): Promise<void> {
    const latest = records.map((record) => this.registry.get(record.name)).filter((r): r is SessionRecord => r !== undefined);
    if (latest.length > 0) this.changes.fire({ changed: latest, removed: [] });
    await this.registry.save();
  }

  dispose(): void {
    this.disposed = true;
    if (this.monitorTimer) clearTimeout(this.monitorTimer);
    for (const timer of this.snapshotTimers.values()) clearTimeout(timer);
    this.watcher.dispose();
    this.changes.dispose();
  }
}

function quietFor(pane: PaneInfo, now: number): number {
  // tmux counts activity in whole seconds: count from the end of that second.
  return pane.activityAt === undefined ? Number.POSITIVE_INFINITY : Math.max(0, now - (pane.activityAt + 999));
}

export function validateLines(lines: unknown): number {
  if (lines === undefined || lines === null || lines === '') return DEFAULT_OUTPUT_LINES;
  const value = typeof lines === 'string' && /^\d+$/.test(lines) ? Number(lines) : lines;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_OUTPUT_LINES) {
    throw invalidInput(`lines must be a whole number from 1 to ${MAX_OUTPUT_LINES}, not ${JSON.stringify(lines)}.`);
  }
  return value;
}
