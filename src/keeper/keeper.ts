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
import { ApiServer } from '../core/http/apiServer';
import { agentApiEnvironment, generateToken, readInstarConfig, writeInstarConfig } from '../core/http/instarConfig';
import { JobScheduler } from '../core/jobs/jobScheduler';
import { watchJobsFile } from '../core/jobs/jobsWatcher';
import { WorkspaceLeader } from '../core/lead/workspaceLeader';
import { SessionEngine } from '../core/sessions/sessionEngine';
import { engineSettings, Settings } from '../core/settings/instarSettings';
import { writeFileAtomic } from '../core/util/atomicWrite';
import { DisposableStore } from '../core/util/disposables';
import { FileStorage } from '../core/util/fileStorage';
import { systemClock, type Logger } from '../core/util/host';

export interface KeeperOptions {
  workspace: string;
  stateDir: string;
  /** The key the workspace's sessions are tagged with (undefined: the default for the state folder). */
  workspaceKey?: string;
  settings: Settings;
  /** Serve the HTTP API where it leads. */
  api: boolean;
  logger: Logger;
  version: string;
  /** The `instar` command put on every agent's PATH. */
  cli: { runtime: string; script: string };
}

/** What keeper.json says. */
export interface KeeperInfo {
  pid: number;
  startedAt: string;
  workspace: string;
  /** Where its API listens, once it does. */
  port?: number;
}

export const KEEPER_INFO_FILE = 'keeper.json';
export const KEEPER_RECORD_FILE = 'keeper-record.json';

export class Keeper {
  private readonly store = new DisposableStore();
  readonly engine: SessionEngine;
  private readonly leader: WorkspaceLeader;
  private readonly storage: FileStorage;
  private api: { server: ApiServer; port: number } | undefined;
  private scheduler: JobScheduler | undefined;
  private readonly startedAt = new Date();
  private disposed = false;

  constructor(private readonly options: KeeperOptions) {
    const { stateDir, logger, settings } = options;
    this.storage = FileStorage.open(path.join(stateDir, KEEPER_RECORD_FILE));
    this.engine = this.store.add(
      SessionEngine.open({
        stateDir,
        workspaceKey: options.workspaceKey,
        storage: this.storage,
        ...engineSettings(settings, {}, (message) => logger.warn(message)),
        socket: settings.socket,
        logger,
        cli: options.cli,
      }),
    );
    this.leader = this.store.add(new WorkspaceLeader({ workspace: this.engine.workspaceKey, logger, label: 'The keeper' }));
    this.store.add(this.leader.onDidChange(() => void this.follow()));
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

  /** Where its API listens (undefined while it does not). */
  get apiPort(): number | undefined {
    return this.api?.port;
  }

  get jobs(): JobScheduler | undefined {
    return this.scheduler;
  }

  /** Runs what the leader runs while it leads; stops it when it does not. */
  private async follow(): Promise<void> {
    if (this.disposed) return;
    if (!this.leader.leading) {
      await this.stopApi();
      return;
    }
    if (this.options.api && !this.api) await this.startApi();
    if (!this.scheduler) await this.startJobs();
  }

  private async startApi(): Promise<void> {
    const { workspace, settings, logger } = this.options;
    // The workspace's token, as every window and every running session knows it; a new one only where there is none.
    const token = (await readInstarConfig(workspace))?.token ?? generateToken();
    const server = new ApiServer(this.engine, { port: settings.apiPort, token, cwd: workspace, version: this.options.version, logger });
    try {
      const port = await server.start();
      this.api = { server, port };
      await writeInstarConfig(workspace, { port, token });
      this.engine.configure(engineSettings(settings, agentApiEnvironment({ port, token }), () => undefined));
      await this.writeInfo();
      logger.info(`API listening on http://127.0.0.1:${port}`);
    } catch (error) {
      logger.error(`The keeper could not start the API on port ${settings.apiPort}: ${(error as Error).message}. Set instar.api.port in .vscode/settings.json to a free port (0 for any).`);
    }
  }

  private async stopApi(): Promise<void> {
    const api = this.api;
    this.api = undefined;
    await api?.server.stop();
  }

  private async startJobs(): Promise<void> {
    const { workspace, logger, settings } = this.options;
    const scheduler = this.store.add(new JobScheduler(this.engine, { cwd: workspace, storage: this.storage, clock: systemClock, logger, runMissed: settings.runMissedJobs }));
    this.scheduler = scheduler;
    try {
      this.store.add(await watchJobsFile(workspace, scheduler));
      await scheduler.start();
      const enabled = scheduler.list().filter((job) => job.enabled).length;
      if (enabled > 0) logger.info(`Jobs: ${enabled} enabled in .instar/jobs.json, run here`);
    } catch (error) {
      logger.error(`Jobs: ${(error as Error).message}`);
    }
  }

  private async writeInfo(): Promise<void> {
    const info: KeeperInfo = { pid: process.pid, startedAt: this.startedAt.toISOString(), workspace: this.options.workspace, port: this.api?.port };
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
