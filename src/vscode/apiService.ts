/**
 * Runs the local HTTP API when `instar.api.enabled` is on (and the workspace is trusted): the
 * token lives in SecretStorage, `.instar/config.json` tells scripts where to call, and every
 * spawned agent gets INSTAR_SERVER_URL and INSTAR_AUTH_TOKEN.
 */
import * as vscode from 'vscode';
import { ApiServer } from '../core/http/apiServer';
import { agentApiEnvironment, generateToken, writeInstarConfig } from '../core/http/instarConfig';
import type { Logger } from '../core/util/host';
import type { SessionEngine } from '../core/sessions/sessionEngine';
import type { Settings } from './settings';

const TOKEN_KEY = 'instar.api.token';

export class ApiService implements vscode.Disposable {
  private server: ApiServer | undefined;
  private running: { port: number; folder: string } | undefined;
  /** The variables agents get while the API runs. */
  agentEnv: Record<string, string> = {};

  constructor(
    private readonly engine: SessionEngine,
    private readonly secrets: vscode.SecretStorage,
    private readonly version: string,
    private readonly logger: Logger,
    /** Called when agentEnv changes, to hand it to the engine. */
    private readonly onEnvironment: () => void,
  ) {}

  /** Starts, restarts or stops the server to match the settings and trust. */
  async update(settings: Settings): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const wanted = settings.apiEnabled && vscode.workspace.isTrusted && folder?.uri.scheme === 'file';
    if (this.running && (!wanted || this.running.port !== settings.apiPort || this.running.folder !== folder?.uri.fsPath)) await this.stop();
    if (!wanted || this.running || !folder) return;
    const token = await this.token();
    const server = new ApiServer(this.engine, { port: settings.apiPort, token, cwd: folder.uri.fsPath, version: this.version, logger: this.logger });
    try {
      const port = await server.start();
      this.server = server;
      this.running = { port, folder: folder.uri.fsPath };
      await writeInstarConfig(folder.uri.fsPath, { port, token });
      this.setEnvironment(agentApiEnvironment({ port, token }));
      this.logger.info(`API listening on http://127.0.0.1:${port}`);
    } catch (error) {
      void vscode.window.showErrorMessage(`Instar Sessions could not start its API: ${(error as Error).message}`);
    }
  }

  async copyToken(): Promise<string> {
    const token = await this.token();
    await vscode.env.clipboard.writeText(token);
    return token;
  }

  /** A new token: the old one stops working at once. */
  async rotateToken(): Promise<string> {
    const token = generateToken();
    await this.secrets.store(TOKEN_KEY, token);
    if (this.server && this.running) {
      this.server.setToken(token);
      await writeInstarConfig(this.running.folder, { port: this.running.port, token });
      this.setEnvironment(agentApiEnvironment({ port: this.running.port, token }));
    }
    return token;
  }

  private async token(): Promise<string> {
    const stored = await this.secrets.get(TOKEN_KEY);
    if (stored) return stored;
    const token = generateToken();
    await this.secrets.store(TOKEN_KEY, token);
    return token;
  }

  private setEnvironment(env: Record<string, string>): void {
    this.agentEnv = env;
    this.onEnvironment();
  }

  private async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
    this.running = undefined;
    this.setEnvironment({});
  }

  dispose(): void {
    void this.server?.stop();
  }
}
