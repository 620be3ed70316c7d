/**
 * Keeps every session's status true. Three sources, strongest first: Claude Code hooks (seen
 * through the events folder within milliseconds), the pane's exit status (one `list-panes` per
 * server per refresh, whatever the number of sessions), and, only where those cannot tell, the
 * screen of the few sessions in a transitional state (ScreenChecks).
 *
 * Several engines (windows of one workspace, a host that reloads or crashed) keep the same
 * sessions: each reads every event (none consumes them), and tmux's tags are the record of what
 * runs, so a session some engine started shows in every engine at its next refresh, with the
 * events it had.
 */
import { isHooked } from '../agent/agentKinds';
import { FSWatcher, watch } from 'node:fs';
import { idleEndAt, isEnded, SessionRecord } from '../model/sessionRecord';
import { HookEvent, isEngineEvent } from '../status/hookEvents';
import { HookWatcher } from '../status/hookWatcher';
import { StatusInput, transition } from '../status/transitions';
import { TmuxChangeWatch } from '../tmux/changeWatch';
import { exitCodeOf, PaneInfo } from '../tmux/parse';
import type { TmuxServers } from '../tmux/tmuxServers';
import { coalesce } from '../util/coalesce';
import type { Clock, Logger } from '../util/host';
import type { PromptDelivery } from './promptDelivery';
import type { SessionFiles } from './sessionFiles';
import type { SessionOutput } from './sessionOutput';
import type { SessionStore } from './sessionStore';
import { MonitorSchedule } from './monitorSchedule';
import { ScreenChecks } from './screenChecks';
import { TagReconciler } from './tagReconciler';

/** A session whose pane is gone this soon after its record was made may still be spawning. */
const SPAWN_GRACE_MS = 5000;
/** How long after a session's end its events stay in the watched folder (every running engine has read them by then). */
const ARCHIVE_AFTER_MS = 10 * 60_000;
/** How long a dead pane may wait for its exit status before it ends without one. */
const EXIT_STATUS_WAIT_MS = 3000;
/** A clean exit on Claude Code's last screen: its resume hint, or /exit (/quit) in its input box. */
const CLEAN_EXIT = /Resume this session with:\s*\n\s*claude (.* )?--resume |^\s*❯[\u00a0 ]\/(exit|quit)\s*$/m;

export interface StatusTrackerOptions {
  clock: Clock;
  logger: Logger;
  /** Called at each check of an idle session with its pane (the lifecycle ends it past its idle limit). */
  onIdle: (record: SessionRecord, pane: PaneInfo) => Promise<void>;
  /** The monitor's period at start, in ms; 0 for none. */
  monitorIntervalMs: number;
  /** The tmux server new sessions go to: listed at each refresh, for sessions other engines started. */
  socket: () => string;
  /** This engine's workspace, as tagged on its sessions. */
  workspace: string;
  /** This engine's id, in the events it writes. */
  engineId: string;
  /** Each listing of the configured server, every session of it (other workspaces' too). */
  onListing?: (panes: readonly PaneInfo[]) => void;
}

export class StatusTracker {
  private readonly watcher: HookWatcher;
  private readonly onIdle: StatusTrackerOptions['onIdle'];
  private readonly onListing: StatusTrackerOptions['onListing'];
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly monitor: MonitorSchedule;
  private monitorIntervalMs: number;
  private started = false;
  private exitWatcher: FSWatcher | undefined;
  private disposed = false;
  /** Dead panes whose exit status has not arrived yet, since when. */
  private readonly deadWithoutStatus = new Map<string, number>();
  private readonly screens: ScreenChecks;
  /** Runs (id:run) whose events this engine has archived. */
  private readonly archived = new Set<string>();
  /** When each recent spawn's tmux session was up; until a listing shows it, by id. */
  private readonly spawnedAt = new Map<string, number>();
  private readonly socket: () => string;
  private readonly engineId: string;
  private readonly tags: TagReconciler;
  /** tmux's own word that a session or pane ended, on our servers. */
  private readonly changes: TmuxChangeWatch;

  constructor(
    private readonly store: SessionStore,
    private readonly files: SessionFiles,
    private readonly servers: TmuxServers,
    private readonly output: SessionOutput,
    delivery: PromptDelivery,
    options: StatusTrackerOptions,
  ) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.onIdle = options.onIdle;
    this.monitorIntervalMs = options.monitorIntervalMs;
    this.socket = options.socket;
    this.engineId = options.engineId;
    this.onListing = options.onListing;
    this.watcher = new HookWatcher(files.eventsDir, this.logger, files.eventArchiveDir, (id) => this.store.byId(id)?.eventCursor);
    this.watcher.onEvents(({ events, replay }) => this.applyEvents(events, replay));
    // Each check also reads the events folder: a change notification can be lost (an inotify
    // queue overflow, a watcher replaced under load), and an event must never wait for the next one.
    const check = async () => {
      await this.watcher.drain();
      await this.refresh();
    };
    this.monitor = new MonitorSchedule({ check, settled: () => this.settled(), watched: () => this.watched(), dueBy: () => this.dueBy(), clock: this.clock, logger: this.logger });
    this.changes = new TmuxChangeWatch(servers, this.clock, this.logger, () => {
      this.monitor.wake();
      void this.refresh().catch(() => undefined);
    });
    this.screens = new ScreenChecks({ store, servers, delivery, clock: this.clock, apply: (record, input) => this.apply(record, input), printed: () => this.monitor.wake() });
    // Any change means the sessions are not quiet: the monitor checks at its period again.
    store.onDidChange(() => this.monitor.wake());
    this.tags = new TagReconciler({
      store,
      servers,
      watcher: this.watcher,
      workspace: options.workspace,
      clock: this.clock,
      logger: this.logger,
      applyEvents: (events) => this.applyEvents(events, true),
      noteStarted: (id) => this.noteSpawned(id),
    });
  }

  /** Reads the events written while no engine ran, reconciles with tmux, starts the monitor. */
  async start(): Promise<void> {
    // A session stored as live whose events were archived meanwhile (it ended while this engine was away): those first.
    const archived = await this.watcher.archivedSessions();
    for (const record of this.store.all()) {
      if (!isEnded(record) && archived.has(record.id)) this.applyEvents(await this.watcher.archivedEventsOf(record.id), true);
    }
    await this.watcher.start();
    this.watchExits();
    try {
      await this.refresh();
    } catch (error) {
      // tmux missing or broken: the engine still starts, so the host can show why.
      this.logger.warn(`Could not reconcile with tmux at start: ${(error as Error).message}`);
    }
    this.started = true;
    this.setMonitorInterval(this.monitorIntervalMs);
  }

  /** An event this engine writes itself (what it did, for the other engines): not read back. */
  ownEvent(file: string): void {
    this.watcher.markSeen(file);
  }

  /** Every event of a session, oldest first, the archived ones included. */
  eventsOf(sessionId: string): Promise<HookEvent[]> {
    return this.watcher.eventsOf(sessionId);
  }

  /** A spawn's tmux session is up: until a listing shows it, it is not judged vanished. */
  noteSpawned(id: string): void {
    this.spawnedAt.set(id, this.clock.now());
  }

  /**
   * Starts, changes or (with 0) stops the timer that checks live sessions (even with none live
   * here: another engine of the workspace may have started one). Exits of the agents Instar
   * started do not wait for it: their status files are watched.
   */
  setMonitorInterval(intervalMs: number): void {
    this.monitorIntervalMs = intervalMs;
    // Before start, the period is only kept: no check runs before the events are read.
    if (this.started || this.disposed) this.monitor.setPeriod(this.disposed ? 0 : intervalMs);
  }

  /** Whether every live session sits still: idle, and nothing on its way to it. */
  private settled(): boolean {
    return this.store.all().every((record) => isEnded(record) || (record.status === 'idle' && !record.pendingPrompt)) && this.deadWithoutStatus.size === 0;
  }

  /**
   * Whether nothing could change unseen between checks: every live session has hooks that tell
   * of its turns on a server whose end of a session or pane tmux tells at once
   * (its exits are told by their status files too).
   */
  private watched(): boolean {
    return this.store.all().every((record) => isEnded(record) || (isHooked(record) && this.changes.watching(record.tmuxSocket)));
  }

  /** The first end of an idle limit among the live sessions: a check must come by then. */
  private dueBy(): number | undefined {
    let due: number | undefined;
    for (const record of this.store.all()) {
      const at = idleEndAt(record);
      if (at !== undefined && (due === undefined || at < due)) due = at;
    }
    return due;
  }

  /** The launch wrapper writes an agent's exit status just before its pane closes: a refresh follows at once. */
  private watchExits(): void {
    try {
      this.exitWatcher = watch(this.files.exitStatusDir, { persistent: false }, () => this.refreshSoon(50));
      this.exitWatcher.on('error', (error) => this.logger.debug(`Watching exit statuses stopped: ${String(error)}; the monitor still sees exits`));
    } catch (error) {
      this.logger.debug(`Cannot watch exit statuses (${String(error)}); the monitor still sees exits`);
    }
  }

  /** Brings the next check forward (after an event that announces an exit). */
  refreshSoon(ms: number): void {
    setTimeout(() => void this.refresh().catch(() => undefined), ms).unref?.();
  }

  /**
   * Checks every live session with one tmux call per server: exits, vanished sessions, and
   * the screens of the few sessions whose state the hooks cannot settle. Concurrent calls share
   * one run (and ask for one more when they arrive during it).
   */
  readonly refresh: () => Promise<void> = coalesce(() => this.refreshOnce(), () => this.disposed);

  private async refreshOnce(): Promise<void> {
    const bySocket = new Map<string, SessionRecord[]>([[this.socket(), []]]);
    const live = new Set<string>();
    const startedAt = this.clock.now();
    const toArchive: SessionRecord[] = [];
    for (const record of this.store.all()) {
      if (isEnded(record)) {
        if (this.dueForArchive(record, startedAt)) toArchive.push(record);
        continue;
      }
      live.add(record.id);
      const list = bySocket.get(record.tmuxSocket) ?? [];
      list.push(record);
      bySocket.set(record.tmuxSocket, list);
    }
    this.archiveEventsOf(toArchive);
    this.screens.keepOnly(live);
    const screenChecks: Promise<void>[] = [];
    // Each change is announced as soon as it is made (the store, which the API reads, has it already): not after the other sessions' checks.
    const announce = (record: SessionRecord) => void this.store.commit([record]);
    for (const [socket, records] of bySocket) {
      const listedAt = this.clock.now();
      const panes = await this.servers.client(socket).listPanes();
      if (socket === this.socket()) this.onListing?.(panes);
      // After this turn: the wait's process is not this refresh's (nor the start's) to wait for.
      if (panes.length > 0) setImmediate(() => this.changes.arm(socket));
      const bySession = new Map<string, PaneInfo>();
      for (const pane of panes) if (!bySession.has(pane.sessionName)) bySession.set(pane.sessionName, pane);
      records.push(...(await this.tags.reconcile(socket, bySession)));
      const now = this.clock.now();
      let drained = false;
      const needScreens: { record: SessionRecord; pane: PaneInfo }[] = [];
      for (const record of records) {
        const listed = bySession.get(record.tmuxSession);
        // A session of the same name tagged for another session is not this one: this one is gone.
        const pane = listed && (listed.tags.id === undefined || listed.tags.id === record.id) ? listed : undefined;
        const spawned = this.spawnedAt.get(record.id);
        // A spawn (or resume) whose tmux call has not returned is not judged: its pane may or may not be up.
        const spawning = record.paneId === undefined && spawned === undefined && (now - (record.resumedAt ?? record.createdAt) < SPAWN_GRACE_MS || record.settingUp === this.engineId);
        if (spawning) continue;
        if (pane) this.spawnedAt.delete(record.id);
        if (!pane) {
          // Only a listing that began after the session was created can tell it has vanished:
          // one that ended while this listing was under way is not judged.
          if (record.paneId === undefined ? now - (record.resumedAt ?? record.createdAt) < SPAWN_GRACE_MS : spawned !== undefined && spawned >= listedAt) continue;
          // Another engine may have killed or removed it: read its word first.
          if (!drained) await this.watcher.drain();
          drained = true;
          const status = await this.files.readExitStatus(record.id);
          const next = this.applyToRun(record, listedAt, status === undefined ? { kind: 'vanished', at: now } : { kind: 'exit', exitCode: status, at: now });
          if (next) announce(next);
        } else if (pane.dead) {
          // The wrapper's status file is written just before the pane closes; tmux's own status
          // can come a moment later, or (see launchSpec) never.
          const exitCode = (await this.files.readExitStatus(record.id)) ?? exitCodeOf(pane);
          if (exitCode === null) {
            const since = this.deadWithoutStatus.get(record.id) ?? now;
            this.deadWithoutStatus.set(record.id, since);
            if (now - since < EXIT_STATUS_WAIT_MS) {
              this.refreshSoon(100);
              continue;
            }
          }
          this.deadWithoutStatus.delete(record.id);
          const lastScreen = await this.output.finalSnapshot(record, 20);
          // No status (an adopted session has no wrapper to write it): Claude Code's parting words tell a clean exit.
          const cleanExit = exitCode === null && record.agentKind === 'claude' && CLEAN_EXIT.test(lastScreen);
          const next = this.applyToRun(record, listedAt, { kind: 'exit', exitCode, at: pane.deadAt ?? now, cleanExit });
          if (next) announce(next);
        } else {
          let current = this.store.get(record.name) ?? record;
          if (current.id !== record.id) continue;
          if (pane.paneId !== current.paneId || pane.pid !== current.panePid) {
            current = this.store.update(record.name, record.id, (latest) => ({ ...latest, paneId: pane.paneId, panePid: pane.pid })) ?? current;
            announce(current);
          }
          // Someone came or went: an idle limit counts from when the last client went.
          const attached = pane.attachedClients > 0;
          if (attached !== (current.attached ?? false)) {
            current = this.store.update(record.name, record.id, (latest) => ({ ...latest, attached: attached || undefined, detachedAt: attached ? latest.detachedAt : now })) ?? current;
            announce(current);
          }
          if (this.screens.needed(current, pane, now)) needScreens.push({ record: current, pane });
          else if (current.status === 'idle') void this.onIdle(current, pane);
        }
      }
      if (needScreens.length > 0) screenChecks.push(this.screens.checkAll(socket, needScreens));
    }
    await Promise.all(screenChecks);
  }

  /** Whether a session ended a while ago has its events of this run still to move out of the watched folder. */
  private dueForArchive(record: SessionRecord, now: number): boolean {
    return record.endedAt !== undefined && now - record.endedAt >= ARCHIVE_AFTER_MS && !this.archived.has(`${record.id}:${record.runs ?? 1}`);
  }

  /** Moves the events of sessions ended a while ago out of the watched folder, once per run, the folder listed once. */
  private archiveEventsOf(records: readonly SessionRecord[]): void {
    if (records.length === 0) return;
    for (const record of records) this.archived.add(`${record.id}:${record.runs ?? 1}`);
    void this.files.archiveEventsOfMany(new Set(records.map((record) => record.id))).catch((error) => this.logger.debug(`Could not archive the events of ${records.length} ended sessions: ${(error as Error).message}`));
  }

  /**
   * Applies events in order. `replay`: they may already be in a stored record (read at start, or a
   * backlog), so those up to the record's cursor are skipped.
   */
  private applyEvents(events: readonly HookEvent[], replay: boolean): void {
    const changed = new Map<string, SessionRecord>();
    let unknown = false;
    for (const event of events) {
      const record = this.store.byId(event.sessionId);
      if (!record) {
        // Another engine's new session, or one started before a crash: the next refresh finds it by its tags.
        if (event.name !== 'instar:remove' && event.engine !== this.engineId) unknown = true;
        continue;
      }
      if (replay && record.eventCursor !== undefined && event.order !== '' && event.order <= record.eventCursor) continue;
      // An event of an earlier run (the old claude's SessionEnd, read after the session was resumed) is not this run's.
      if (record.resumedAt !== undefined && event.at < record.resumedAt) continue;
      this.logger.trace(`hook ${record.name} ${event.name}${event.toolName ? ` ${event.toolName}` : ''}${event.notificationType ? ` ${event.notificationType}` : ''}`);
      if (isEngineEvent(event) && event.engine !== this.engineId) {
        if (event.name === 'instar:spawn' || event.name === 'instar:resume') this.refreshSoon(0);
        if (event.name === 'instar:remove' && isEnded(record)) {
          void this.store.remove(record.name, record.id);
          continue;
        }
      }
      const next = this.apply(record, { kind: 'hook', event });
      if (next) changed.set(next.name, next);
      if (event.name === 'Stop' || event.name === 'StopFailure') this.output.snapshotSoon(record);
      if (event.name === 'SessionEnd') {
        this.refreshSoon(100);
        this.refreshSoon(600);
      }
      if (event.name === 'PreToolUse' && record.permissionMode !== 'bypassPermissions') this.refreshSoon(700);
    }
    if (unknown) this.refreshSoon(0);
    if (changed.size > 0) void this.store.commit([...changed.values()]);
  }

  /** Applies a status input to the store's current record; returns the changed record, if any. */
  apply(record: SessionRecord, input: StatusInput): SessionRecord | undefined {
    return this.store.update(record.name, record.id, (current) => transition(current, input));
  }

  /**
   * What a listing saw (a session gone, its pane dead), applied only to the run it saw: a session
   * resumed while the listing was read or judged (its old run killed, a new one started) is not
   * ended by it.
   */
  private applyToRun(record: SessionRecord, listedAt: number, input: StatusInput): SessionRecord | undefined {
    return this.store.update(record.name, record.id, (current) => ((current.runs ?? 1) !== (record.runs ?? 1) || (current.resumedAt ?? Number.NEGATIVE_INFINITY) >= listedAt ? undefined : transition(current, input)));
  }

  dispose(): void {
    this.disposed = true;
    this.monitor.dispose();
    this.changes.dispose();
    this.exitWatcher?.close();
    this.watcher.dispose();
  }
}
