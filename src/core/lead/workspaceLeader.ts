/**
 * Which engine of a workspace leads: the work that must happen once (scheduled jobs, the HTTP
 * API) runs only there. The lead is a listening socket that only one process can hold: on Linux
 * an abstract Unix socket, which the kernel frees the moment its holder dies (a closed window, a
 * host killed with SIGKILL), elsewhere a socket file in the temporary folder. Followers stay
 * connected to the leader's socket, so they learn of its end at once and try to take over; a
 * slow timer tries again in case that word was missed.
 */
import { createConnection, createServer, Server, Socket } from 'node:net';
import { promises as fs } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { Emitter } from '../util/emitter';
import type { Logger } from '../util/host';

export interface WorkspaceLeaderOptions {
  /** The workspace's key (as tagged on its sessions): engines with the same key elect one leader. */
  workspace: string;
  logger: Logger;
  /** How often a follower tries again besides the leader's end, in ms. */
  retryMs?: number;
  /** A name of this engine for the log. */
  label?: string;
}

const DEFAULT_RETRY_MS = 2000;
const FAILED_WATCH_RETRY_MS = 200;

export class WorkspaceLeader {
  private readonly emitter = new Emitter<boolean>();
  /** Fires with true when this engine takes the lead, false when it gives it up. */
  readonly onDidChange = this.emitter.event;
  private server: Server | undefined;
  private readonly followers = new Set<Socket>();
  private watch: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private trying: Promise<void> | undefined;
  private disposed = false;
  /** The lock could not be used at all: this engine leads without it. */
  private uncoordinated = false;
  private readonly address: string;

  constructor(private readonly options: WorkspaceLeaderOptions) {
    this.address = leaderAddress(options.workspace);
  }

  /** Whether this engine leads its workspace now. */
  get leading(): boolean {
    return this.server !== undefined || this.uncoordinated;
  }

  /** Tries to take the lead; otherwise follows the leader. Resolves once it knows which. */
  start(): Promise<void> {
    return this.tryLead();
  }

  private tryLead(): Promise<void> {
    this.trying ??= this.tryLeadOnce().finally(() => (this.trying = undefined));
    return this.trying;
  }

  private async tryLeadOnce(): Promise<void> {
    if (this.disposed || this.leading) return;
    const server = createServer((socket) => {
      // A follower watching: it learns of this engine's end when the connection closes.
      this.followers.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.followers.delete(socket));
      socket.unref();
    });
    const listened = await listen(server, this.address);
    if (listened === 'in-use' && !['linux', 'win32'].includes(process.platform) && (await this.staleSocketFile())) {
      return this.tryLeadOnce();
    }
    if (listened instanceof Error) {
      // No lock to be had here: this engine leads alone rather than leave jobs and the API nowhere.
      this.options.logger.warn(`Could not take part in choosing the workspace's leading window (${listened.message}); jobs and the API run in this window without coordination`);
      this.uncoordinated = true;
      this.emitter.fire(true);
      return;
    }
    if (listened === 'in-use') {
      this.follow();
      return;
    }
    if (this.disposed) {
      server.close();
      return;
    }
    server.unref();
    this.server = server;
    this.clearTimer();
    this.watch?.destroy();
    this.watch = undefined;
    this.options.logger.info(`${this.options.label ?? 'This window'} leads the workspace: scheduled jobs and the API run here`);
    this.emitter.fire(true);
  }

  /** Stays connected to the leader, to try to take over when it ends. */
  private follow(): void {
    if (this.disposed || this.leading) return;
    if (!this.watch) {
      const socket = createConnection(this.address);
      let connected = false;
      this.watch = socket;
      socket.unref();
      socket.on('connect', () => (connected = true));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (this.watch === socket) this.watch = undefined;
        if (this.disposed) return;
        // The leader ended: take over now. A connection that never came up (the leader was just
        // going) tries again shortly, never in a tight loop.
        if (connected) void this.tryLead();
        else this.retryIn(FAILED_WATCH_RETRY_MS);
      });
    }
    this.retryIn(this.options.retryMs ?? DEFAULT_RETRY_MS);
  }

  private retryIn(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => void this.tryLead(), ms);
    this.timer.unref();
  }

  /** Where sockets are files: one nobody listens on is left by a leader that died; it is removed. */
  private async staleSocketFile(): Promise<boolean> {
    const alive = await new Promise<boolean>((resolve) => {
      const probe = createConnection(this.address);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (alive) return false;
    await fs.rm(this.address, { force: true });
    return true;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Gives up the lead (another engine takes it at once) or stops following. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearTimer();
    this.watch?.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.close();
      for (const socket of this.followers) socket.destroy();
      this.emitter.fire(false);
    }
    this.emitter.dispose();
  }
}

/** The lock's address: an abstract socket on Linux (nothing on disk), a socket file elsewhere. */
export function leaderAddress(workspace: string): string {
  const user = safeUser();
  if (process.platform === 'linux') return `\0instar-lead-${user}-${workspace}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\instar-lead-${user}-${workspace}`;
  return path.join(tmpdir(), `instar-lead-${user}-${workspace}.sock`);
}

function safeUser(): string {
  try {
    return String(process.getuid?.() ?? userInfo().username).replace(/[^A-Za-z0-9_-]/g, '');
  } catch {
    return 'user';
  }
}

function listen(server: Server, address: string): Promise<'listening' | 'in-use' | Error> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRINUSE' ? 'in-use' : error);
    server.once('error', onError);
    server.listen(address, () => {
      server.off('error', onError);
      resolve('listening');
    });
  });
}
