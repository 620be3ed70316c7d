/**
 * The tmux servers the engine talks to: one client per socket, made on first use. Sessions
 * stay on the server they were started on, so a changed socket setting only moves later spawns;
 * a changed tmux program drops every client so the next call checks the new one.
 */
import type { CommandRunner } from '../util/commandRunner';
import type { Logger } from '../util/host';
import { TmuxClient } from './tmuxClient';

export interface TmuxServerSettings {
  /** The -L socket of new sessions; '' for the user's default server. */
  socket: string;
  binary?: string;
  timeoutMs?: number;
}

export class TmuxServers {
  private readonly clients = new Map<string, TmuxClient>();

  constructor(
    private readonly runner: CommandRunner,
    private readonly logger: Logger,
    private settings: TmuxServerSettings,
  ) {}

  /** The socket new sessions go to. */
  get socket(): string {
    return this.settings.socket;
  }

  configure(settings: TmuxServerSettings): void {
    if (settings.binary !== this.settings.binary || settings.timeoutMs !== this.settings.timeoutMs) this.clients.clear();
    this.settings = settings;
  }

  /** The client of a socket (the one new sessions go to by default). */
  client(socket = this.settings.socket): TmuxClient {
    let client = this.clients.get(socket);
    if (!client) {
      client = new TmuxClient(this.runner, { socket, binary: this.settings.binary, timeoutMs: this.settings.timeoutMs, logger: this.logger });
      this.clients.set(socket, client);
    }
    return client;
  }
}
