/**
 * The window's side of the background keeper: it starts the keeper (dist/keeper.js, detached, with
 * this host's runtime) once the trusted workspace has something to keep, a live session or an
 * enabled job, unless one runs or the person stopped it; it keeps the keeper's settings current
 * (a file in the state folder the keeper follows), and it says who keeps the work: the keeper
 * leads whenever it runs, and this window takes the lead back at once if it dies.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobScheduler } from '../core/jobs/jobScheduler';
import { hasWorkToKeep, KeeperInfo, runningKeeper, startKeeper, stopKeeper, wasStoppedByHand } from '../core/lead/keeperProcess';
import type { WorkspaceLeader } from '../core/lead/workspaceLeader';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { writeFileAtomic } from '../core/util/atomicWrite';
import { DisposableStore } from '../core/util/disposables';
import type { Logger } from '../core/util/host';
import type { Settings, SettingsWatcher } from './settings';
import type { WorkspaceGate } from './workspaceGate';

const SETTINGS_FILE = 'keeper-settings.json';
/** A start that did not lead within this long may be tried again. */
const START_RETRY_MS = 30_000;

export interface BackgroundKeeperOptions {
  stateDir: string;
  /** dist/keeper.js. */
  script: string;
  logger: Logger;
  jobs: () => JobScheduler | undefined;
}

export class BackgroundKeeper implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly changeEmitter = this.store.add(new vscode.EventEmitter<void>());
  /** Fires when who keeps the work may have changed. */
  readonly onDidChange = this.changeEmitter.event;
  private lastStartAt = 0;
  private checkTimer: NodeJS.Timeout | undefined;
  private writtenSettings = '';

  constructor(
    private readonly engine: SessionEngine,
    private readonly gate: WorkspaceGate,
    private readonly leader: WorkspaceLeader,
    private readonly settings: SettingsWatcher,
    private readonly options: BackgroundKeeperOptions,
  ) {
    this.store.add(engine.onDidChange(() => this.checkSoon()));
    this.store.add(gate.onDidGrantTrust(() => this.checkSoon()));
    this.store.add(settings.onDidChange(() => {
      void this.writeSettings();
      this.checkSoon();
    }));
    this.store.add(leader.onDidChangeLeader(() => {
      this.changeEmitter.fire();
      this.checkSoon();
    }));
    this.store.add(leader.onDidChange(() => this.changeEmitter.fire()));
  }

  /** The keeper that runs for this workspace, as it says in the state folder (undefined: none). */
  running(): Promise<KeeperInfo | undefined> {
    return runningKeeper(this.options.stateDir);
  }

  /**
   * Who keeps the work, in words, for the status bar and the view: the keeper (its pid, and the
   * next job's time) while it leads; undefined while this window or another leads.
   */
  summary(now = Date.now()): string | undefined {
    const leader = this.leader.leader;
    if (leader?.role !== 'keeper') return undefined;
    const next = (this.options.jobs()?.list() ?? []).filter((job) => job.enabled && job.nextRunAt !== undefined).map((job) => job.nextRunAt!);
    const nextJob = next.length > 0 ? `; next job at ${new Date(Math.max(now, Math.min(...next))).toLocaleTimeString()}` : '';
    return `Kept in the background by the keeper (pid ${leader.pid}): jobs, the API, endings when idle and budgets go on with every window closed${nextJob}`;
  }

  /** The keeper's log in the state folder. */
  get logFile(): string {
    return path.join(this.options.stateDir, 'keeper.log');
  }

  /** Checks, a moment after a change (several at once make one check), whether to start the keeper. */
  checkSoon(): void {
    if (this.checkTimer) return;
    this.checkTimer = setTimeout(() => {
      this.checkTimer = undefined;
      void this.startIfNeeded().catch((error: Error) => this.options.logger.warn(`Could not start the background keeper: ${error.message}`));
    }, 500);
  }

  /** Starts the keeper when the workspace has something to keep and none runs; resolves with its pid, or undefined. */
  async startIfNeeded(byHand = false): Promise<number | undefined> {
    const settings = this.settings.value;
    const folder = this.gate.trustedFolder();
    if (!folder || !settings.keeperEnabled) {
      if (byHand) throw new Error(folder ? 'instar.keeper.enabled is off.' : 'The workspace is not trusted: nothing runs in the background for it.');
      return undefined;
    }
    if (this.leader.leader?.role === 'keeper') return this.leader.leader.pid;
    const running = await this.running();
    if (running) return running.pid;
    if (!byHand && (!hasWorkToKeep(this.engine.list(), this.options.jobs()?.list()) || (await wasStoppedByHand(this.options.stateDir)) || Date.now() - this.lastStartAt < START_RETRY_MS)) return undefined;
    await this.writeSettings();
    this.lastStartAt = Date.now();
    const pid = await startKeeper({
      runtime: process.execPath,
      script: this.options.script,
      workspace: folder,
      folders: this.gate.trustedFolders().slice(1),
      stateDir: this.options.stateDir,
      lingerMinutes: settings.keeperLingerMinutes,
      settingsFile: path.join(this.options.stateDir, SETTINGS_FILE),
    });
    this.options.logger.info(`Started the background keeper (pid ${pid}): the team goes on when every window is closed; its log: ${this.logFile}`);
    return pid;
  }

  /** Stops the keeper (the sessions go on in tmux) and keeps windows from starting it again until Start Background Keeper. */
  async stop(): Promise<boolean> {
    const pid = await stopKeeper(this.options.stateDir, this.leader.leader?.role === 'keeper' ? this.leader.leader.pid : undefined);
    if (pid === undefined) return false;
    this.options.logger.info(`Stopped the background keeper (pid ${pid}); the sessions go on in tmux, and a window leads while one is open`);
    this.changeEmitter.fire();
    return true;
  }

  /** The settings the keeper runs with: this window's, as they are now. */
  private async writeSettings(): Promise<void> {
    const text = `${JSON.stringify(this.settings.value satisfies Settings, null, 2)}\n`;
    if (text === this.writtenSettings) return;
    this.writtenSettings = text;
    await writeFileAtomic(path.join(this.options.stateDir, SETTINGS_FILE), text, { makeDir: true }).catch((error: Error) => this.options.logger.warn(`Could not write the keeper's settings: ${error.message}`));
  }

  dispose(): void {
    if (this.checkTimer) clearTimeout(this.checkTimer);
    this.store.dispose();
  }
}

