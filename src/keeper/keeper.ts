/**
 * The keeper: a headless host of the same core as a window, for one workspace. It builds an
 * engine on the workspace's state folder (its record in `keeper-record.json` there), takes part in
 * choosing the workspace's leader, and where it leads runs what a leading window runs: the
 * scheduled jobs, the HTTP API (its token the workspace's, in `.instar/config.json`), and with the
 * engine the endings when idle, the budgets and the hook events. `keeper.json` in the state folder
 * says which process keeps the workspace, since when.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ApiHosting } from '../core/http/apiHosting';
import { agentApiEnvironment, generateToken, readInstarConfig, readWorkspaceToken } from '../core/http/instarConfig';
import { JobScheduler } from '../core/jobs/jobScheduler';
import { JOBS_STATE_FILE, watchJobsFile, watchJobsState } from '../core/jobs/jobsWatcher';
import { hasWorkToKeep, KEEPER_INFO_FILE, KeeperInfo } from '../core/lead/keeperProcess';
import { WorkspaceLeader } from '../core/lead/workspaceLeader';
import { engineNotifier, notifyConfigOf, RemoteNotifier } from '../core/notify/notifier';
import { SessionEngine } from '../core/sessions/sessionEngine';
import { engineSettings, Settings } from '../core/settings/instarSettings';
import { writeFileAtomic } from '../core/util/atomicWrite';
import { coalesce } from '../core/util/coalesce';
import { DisposableStore, type Disposable } from '../core/util/disposables';
import { watchFileIn } from '../core/util/fileWatch';
import { FileStorage } from '../core/util/fileStorage';
import { systemClock, type Logger } from '../core/util/host';

export interface KeeperOptions {
  workspace: string;
  /** The other folders of a multi-root workspace: their jobs run too, and a spawn may name them. */
  folders?: readonly string[];
  stateDir: string;
  /** The key the workspace's sessions are tagged with (undefined: the default for the state folder). */
  workspaceKey?: string;
  settings: Settings;
  /** Serve the HTTP API where it leads: always (started by hand), or as the settings say (started by a window). */
  api: boolean | 'settings';
  logger: Logger;
  version: string;
  /** The `instar` command put on every agent's PATH. */
  cli: { runtime: string; script: string };
  /** The workspace's lead secret: a leading window hands the lead over for it. */
  secret: string;
  /** Ends the keeper once nothing was left to keep (no live session, no enabled job) this long; undefined: it stays. */
  lingerMs?: number;
  /** Called when it ends by itself (nothing left to keep, or another keeper leads), with why. */
  onEnd?: (why: string) => void;
}

export const KEEPER_RECORD_FILE = 'keeper-record.json';

export class Keeper {
  private readonly store = new DisposableStore();
  readonly engine: SessionEngine;
  private readonly leader: WorkspaceLeader;
  private readonly storage: FileStorage;
  private api: { hosting: ApiHosting; watcher?: Disposable } | undefined;
  private scheduler: JobScheduler | undefined;
  private readonly startedAt = new Date();
  private disposed = false;
  private settings: Settings;
  private readonly notifier: RemoteNotifier;
  /** Since when nothing has been left to keep (undefined: something is). */
  private idleSince: number | undefined;

  constructor(private readonly options: KeeperOptions) {
    const { stateDir, logger, settings } = options;
    this.settings = settings;
    this.storage = FileStorage.open(path.join(stateDir, KEEPER_RECORD_FILE));
    this.engine = this.store.add(
      SessionEngine.open({
        stateDir,
        workspaceKey: options.workspaceKey,
        workspaceLabel: path.basename(options.workspace),
        storage: this.storage,
        ...engineSettings(settings, {}, (message) => logger.warn(message)),
        socket: settings.socket,
        logger,
        cli: options.cli,
      }),
    );
    // With no window open, a person away from the editor is told here (a desktop notification too, where set).
    this.notifier = engineNotifier(this.engine, { stateDir, workspace: options.workspace, logger, jobNotify: (slug) => this.scheduler?.get(slug)?.definition.notify });
    this.store.add(this.notifier);
    this.notifier.configure(notifyConfigOf(settings, { desktop: true }));
    this.leader = this.store.add(new WorkspaceLeader({ workspace: this.engine.workspaceKey, logger, label: 'The keeper', role: 'keeper', secret: options.secret }));
    this.store.add(this.leader.onDidChange(() => void this.follow()));
    this.store.add(
      this.leader.onDidChangeLeader((leader) => {
        if (leader?.role === 'keeper' && leader.pid !== process.pid) this.end(`another keeper (pid ${leader.pid}) keeps this workspace`);
      }),
    );
    if (options.lingerMs !== undefined) {
      const timer = setInterval(() => this.checkLinger(), Math.min(15_000, Math.max(1000, options.lingerMs / 4)));
      this.store.add({ dispose: () => clearInterval(timer) });
    }
  }

  /** Takes settings that changed (a window's, kept current): later spawns use them, the API moves to a new port. */
  async setSettings(settings: Settings): Promise<void> {
    const portChanged = settings.apiPort !== this.settings.apiPort;
    this.settings = settings;
    this.notifier.configure(notifyConfigOf(settings, { desktop: true }));
    if (portChanged) await this.stopApi();
    await this.follow();
    this.engine.configure(engineSettings(settings, this.apiEnvironment(), (message) => this.options.logger.warn(message)));
  }

  private apiWanted(): boolean {
    return this.options.api === true || (this.options.api === 'settings' && this.settings.apiEnabled);
  }

  private apiEnvironment(): Record<string, string> {
    const hosting = this.api?.hosting;
    return hosting?.publicPort !== undefined ? agentApiEnvironment({ port: hosting.publicPort, token: hosting.token }, this.options.workspace) : {};
  }

  /** Whether there is anything to keep: a live session, or an enabled job. */
  hasWork(): boolean {
    return hasWorkToKeep(this.engine.list(), this.scheduler?.list());
  }

  private checkLinger(now = Date.now()): void {
    if (this.disposed || this.options.lingerMs === undefined) return;
    if (this.hasWork()) {
      this.idleSince = undefined;
      return;
    }
    this.idleSince ??= now;
    if (now - this.idleSince >= this.options.lingerMs) this.end(`nothing left to keep for ${Math.round(this.options.lingerMs / 1000)} s (no live session, no enabled job)`);
  }

  private end(why: string): void {
    if (this.disposed) return;
    this.options.logger.info(`The keeper ends: ${why}`);
    void this.dispose().finally(() => this.options.onEnd?.(why));
  }

  /** Starts the engine and takes part in choosing the leader; resolves once it knows whether it leads. */
  async start(): Promise<void> {
    await this.engine.start();
    await this.writeInfo();
    await this.leader.start();
    await this.follow();
    this.options.logger.info(`The keeper of ${this.options.workspace} runs (pid ${process.pid}): ${this.engine.list().length} sessions known, state folder ${this.options.stateDir}, ${this.leader.leading ? 'leading' : 'following the window that leads; it leads once that window closes'}`);
  }

  get leading(): boolean {
    return this.leader.leading;
  }

  /** Where scripts and agents call its API (undefined while it serves none). */
  get apiPort(): number | undefined {
    return this.api?.hosting.publicPort;
  }

  get jobs(): JobScheduler | undefined {
    return this.scheduler;
  }

  /**
   * Runs what the leader runs while it leads; stops it when it does not. Calls while one runs make
   * it run once more: two at once would start two APIs.
   */
  private readonly follow: () => Promise<void> = coalesce(() => this.followOnce());

  private async followOnce(): Promise<void> {
    if (this.disposed) return;
    this.engine.setLeading(this.leader.leading);
    this.notifier.setLeading(this.leader.leading);
    if (!this.leader.leading) {
      await this.stopApi();
      return;
    }
    if (!this.apiWanted()) await this.stopApi();
    else if (!this.api) await this.startApi();
    if (!this.scheduler) await this.startJobs();
  }

  private async startApi(): Promise<void> {
    const { workspace, logger } = this.options;
    // The workspace's token, as every window and every running session knows it; a new one only where there is none.
    const token = (await readWorkspaceToken(workspace)) ?? generateToken();
    const hosting = new ApiHosting({ engine: this.engine, port: this.settings.apiPort, token, folder: workspace, folders: [workspace, ...(this.options.folders ?? [])], workspaceKey: this.engine.workspaceKey, version: this.options.version, logger, label: 'The keeper' });
    // The port moved (the shared one taken or let go) or the token was renewed: agents and keeper.json follow.
    hosting.onDidChange(() => {
      if (this.api?.hosting !== hosting) return;
      this.engine.configure(engineSettings(this.settings, this.apiEnvironment(), () => undefined));
      void this.writeInfo();
    });
    try {
      await hosting.start();
    } catch (error) {
      logger.error(`The keeper could not start the API: ${(error as Error).message}`);
      await hosting.stop();
      return;
    }
    this.api = { hosting };
    this.api.watcher = this.followToken(hosting);
    this.engine.configure(engineSettings(this.settings, this.apiEnvironment(), () => undefined));
    await this.writeInfo();
  }

  /**
   * Follows the workspace's file: takes a token rotated in a window (the old one stops working at
   * once), and puts its own port back where another host wrote its own (a window that was starting
   * its API as it handed the lead over).
   */
  private followToken(hosting: ApiHosting): Disposable | undefined {
    const { workspace, logger } = this.options;
    try {
      return watchFileIn(path.join(workspace, '.instar'), 'config.json', () => {
        void Promise.all([readWorkspaceToken(workspace), readInstarConfig(workspace)]).then(async ([token, config]) => {
          if (this.api?.hosting !== hosting) return;
          if (token && token !== hosting.token) {
            await hosting.setToken(token);
            this.engine.configure(engineSettings(this.settings, this.apiEnvironment(), () => undefined));
            logger.info('The API token was rotated: the old one is refused from now on');
          }
          if (config?.port !== hosting.publicPort && (await hosting.republish())) {
            logger.info(`.instar/config.json named port ${config?.port ?? 'none'}; the API is on ${hosting.publicPort}, written back`);
          }
        }).catch((error: Error) => logger.warn(`Could not follow .instar/config.json: ${error.message}`));
      });
    } catch (error) {
      logger.warn(`A token rotated in a window will not reach the keeper until it restarts: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async stopApi(): Promise<void> {
    const api = this.api;
    if (!api) return;
    this.api = undefined;
    api.watcher?.dispose();
    await api.hosting.stop();
    this.engine.configure({ agentEnv: this.settings.agentEnv });
  }

  private async startJobs(): Promise<void> {
    const { workspace, logger } = this.options;
    const settings = this.settings;
    // The jobs' state every host shares: a job disabled in a window stays disabled here.
    const storage = FileStorage.open(path.join(this.options.stateDir, JOBS_STATE_FILE), { shared: true });
    const scheduler = this.store.add(new JobScheduler(this.engine, { cwd: workspace, storage, clock: systemClock, logger, runMissed: settings.runMissedJobs }));
    this.scheduler = scheduler;
    try {
      for (const folder of [workspace, ...(this.options.folders ?? [])]) this.store.add(await watchJobsFile(folder, scheduler));
      this.store.add(watchJobsState(this.options.stateDir, scheduler));
      await scheduler.start();
      const enabled = scheduler.list().filter((job) => job.enabled).length;
      if (enabled > 0) logger.info(`Jobs: ${enabled} enabled in .instar/jobs.json, run here`);
    } catch (error) {
      logger.error(`Jobs: ${(error as Error).message}`);
    }
  }

  private async writeInfo(): Promise<void> {
    const info: KeeperInfo = { pid: process.pid, startedAt: this.startedAt.toISOString(), workspace: this.options.workspace, port: this.api?.hosting.publicPort };
    await writeFileAtomic(path.join(this.options.stateDir, KEEPER_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`).catch((error: Error) => this.options.logger.warn(`Could not write ${KEEPER_INFO_FILE}: ${error.message}`));
  }

  /** Stops the keeper: its API and jobs end, the sessions keep running in tmux. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stopApi();
    this.store.dispose();
    await fs.rm(path.join(this.options.stateDir, KEEPER_INFO_FILE), { force: true });
    this.options.logger.info('The keeper stopped; the sessions go on in tmux');
  }
}
