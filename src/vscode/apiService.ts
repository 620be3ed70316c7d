/**
 * Runs the local HTTP API when `instar.api.enabled` is on, the workspace gate allows it and this
 * window leads its workspace (one API per workspace, however many windows), following the
 * settings, a grant of trust and the lead: the token lives in SecretStorage,
 * `.instar/config.json` tells scripts where to call, and every spawned agent gets
 * INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN (in a window that does not lead, those of the leader's API).
 */
import * as vscode from 'vscode';
import { ApiHosting } from '../core/http/apiHosting';
import { agentApiEnvironment, generateToken, readInstarConfig, readWorkspaceToken, writeInstarConfig } from '../core/http/instarConfig';
import type { WorkspaceLeader } from '../core/lead/workspaceLeader';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import { coalesce } from '../core/util/coalesce';
import { DisposableStore } from '../core/util/disposables';
import type { Logger } from '../core/util/host';
import type { SettingsWatcher } from './settings';
import type { WorkspaceGate } from './workspaceGate';

const TOKEN_KEY = 'instar.api.token';

export interface ApiServiceHost {
  secrets: vscode.SecretStorage;
  /** The extension's version, reported by the API. */
  version: string;
  logger: Logger;
  /** Called when agentEnv changes, to hand it to the engine. */
  onEnvironment: () => void;
  /** Called each time this window's API starts listening, with the workspace folder. */
  onListening?: (folder: string) => void;
}

export class ApiService implements vscode.Disposable {
  private readonly store = new DisposableStore();
  /** The API as this window serves it, with the port the settings asked for and the folder. */
  private running: { hosting: ApiHosting; requested: number; folder: string } | undefined;
  private pendingToken: Promise<string> | undefined;
  /** The variables agents get while the API runs. */
  agentEnv: Record<string, string> = {};
  private currentProblem: string | undefined;
  private readonly problemEmitter = this.store.add(new vscode.EventEmitter<string | undefined>());
  /** Fires when `problem` changes. */
  readonly onDidChangeProblem = this.problemEmitter.event;

  constructor(
    private readonly engine: SessionEngine,
    private readonly gate: WorkspaceGate,
    private readonly settings: SettingsWatcher,
    private readonly leader: WorkspaceLeader,
    private readonly host: ApiServiceHost,
  ) {
    this.store.add(settings.onDidChange(() => void this.update()));
    this.store.add(gate.onDidGrantTrust(() => void this.update()));
    this.store.add(leader.onDidChange(() => void this.update()));
  }

  /**
   * Starts, restarts or stops the server to match the settings, trust and the lead. Calls while one
   * runs make it run once more: two at once would start two servers (and make two tokens).
   */
  readonly update: () => Promise<void> = coalesce(() => this.updateOnce());

  private async updateOnce(): Promise<void> {
    const settings = this.settings.value;
    const folder = this.gate.trustedFolder();
    const enabled = settings.apiEnabled && folder !== undefined;
    const wanted = enabled && this.leader.leading;
    if (this.running && (!wanted || this.running.requested !== settings.apiPort || this.running.folder !== folder)) await this.stop();
    if (!wanted) this.setProblem(undefined);
    if (enabled && !wanted) {
      // Another window of the workspace runs the API: agents spawned here call it.
      const config = await readInstarConfig(folder);
      this.setEnvironment(config ? agentApiEnvironment(config, folder) : {});
      const where = this.leader.leader?.role === 'keeper' ? 'the background keeper' : 'another window';
      this.host.logger.info(`The API of this workspace runs in ${where}${config ? ` (http://127.0.0.1:${config.port})` : ''}; it moves here if that ends`);
      return;
    }
    if (!wanted || this.running) return;
    const token = await this.token();
    const hosting = new ApiHosting({
      engine: this.engine,
      port: settings.apiPort,
      token,
      folder,
      folders: this.gate.trustedFolders(),
      workspaceKey: this.engine.workspaceKey,
      version: this.host.version,
      logger: this.host.logger,
      label: 'This window',
      onToken: (renewed) => void this.host.secrets.store(TOKEN_KEY, renewed),
    });
    // The port moved (the shared one taken or let go) or the token was renewed: agents follow.
    hosting.onDidChange(() => {
      if (this.running?.hosting !== hosting) return;
      this.publishEnvironment(hosting, folder);
      this.setProblem(hosting.problem);
    });
    try {
      await hosting.start();
    } catch (error) {
      await hosting.stop();
      this.setProblem((error as Error).message);
      void vscode.window.showErrorMessage(vscode.l10n.t('Instar Sessions could not start its API: {0}', (error as Error).message));
      return;
    }
    this.running = { hosting, requested: settings.apiPort, folder };
    this.publishEnvironment(hosting, folder);
    this.setProblem(hosting.problem);
    this.host.onListening?.(folder);
  }

  /**
   * What is wrong with this window's API: it could not start (a port set and taken), or it
   * answers elsewhere than the port every workspace shares. Undefined when nothing is (or another
   * host serves the API).
   */
  get problem(): string | undefined {
    return this.currentProblem;
  }

  private setProblem(problem: string | undefined): void {
    if (problem === this.currentProblem) return;
    this.currentProblem = problem;
    this.problemEmitter.fire(problem);
  }

  private publishEnvironment(hosting: ApiHosting, folder: string): void {
    if (hosting.publicPort !== undefined) this.setEnvironment(agentApiEnvironment({ port: hosting.publicPort, token: hosting.token }, folder));
  }

  async copyToken(): Promise<string> {
    const token = await this.token();
    await vscode.env.clipboard.writeText(token);
    return token;
  }

  /**
   * A new token: the old one stops working at once. Where the API runs elsewhere (the keeper,
   * another window), the workspace's file gets it and the leader takes it from there.
   */
  async rotateToken(): Promise<string> {
    const token = generateToken();
    await this.host.secrets.store(TOKEN_KEY, token);
    if (this.running) {
      const { hosting, folder } = this.running;
      await hosting.setToken(token);
      this.publishEnvironment(hosting, folder);
      return token;
    }
    const folder = this.gate.trustedFolder();
    const config = folder ? await readInstarConfig(folder) : undefined;
    if (folder && config) {
      await writeInstarConfig(folder, { port: config.port, token });
      this.setEnvironment(agentApiEnvironment({ port: config.port, token }, folder));
    }
    return token;
  }

  /**
   * The workspace's token: the one in its `.instar/config.json` (on the machine where the agents
   * run, so a window opened from another browser or machine, and the keeper, all use the one the
   * running sessions know), else the one in secret storage, else a new one. Callers at the same
   * moment share one.
   */
  private token(): Promise<string> {
    this.pendingToken ??= (async () => {
      const folder = this.gate.trustedFolder();
      const inFile = folder ? await readWorkspaceToken(folder) : undefined;
      if (inFile) {
        if ((await this.host.secrets.get(TOKEN_KEY)) !== inFile) await this.host.secrets.store(TOKEN_KEY, inFile);
        return inFile;
      }
      const stored = await this.host.secrets.get(TOKEN_KEY);
      if (stored) return stored;
      const token = generateToken();
      await this.host.secrets.store(TOKEN_KEY, token);
      return token;
    })().finally(() => (this.pendingToken = undefined));
    return this.pendingToken;
  }

  private setEnvironment(env: Record<string, string>): void {
    this.agentEnv = env;
    this.host.onEnvironment();
  }

  private async stop(): Promise<void> {
    const hosting = this.running?.hosting;
    this.running = undefined;
    await hosting?.stop();
    this.setProblem(undefined);
    this.setEnvironment({});
  }

  dispose(): void {
    this.store.dispose();
    void this.running?.hosting.stop();
  }
}
