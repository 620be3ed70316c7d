/**
 * Which engine of a workspace leads: the work that must happen once (scheduled jobs, the HTTP
 * API) runs only there. The lead is a listening socket that only one process can hold: on Linux
 * an abstract Unix socket, which the kernel frees the moment its holder dies (a closed window, a
 * host killed with SIGKILL), elsewhere a socket file in the temporary folder. Followers stay
 * connected to the leader's socket, so they learn of its end at once and try to take over; a
 * slow timer tries again in case that word was missed.
 *
 * The keeper leads whenever it runs: a leading window hands the lead over when the keeper asks
 * (a line with the workspace's lead secret, a file only the user reads), telling its followers
 * first so that they leave the lead to the keeper (for a few seconds, or until that keeper's
 * process is gone); a keeper that finds another keeper leading hears so. A leader tells every
 * follower who it is (`leader <role> <pid>`) when it connects.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { promises as fs } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { Emitter } from '../util/emitter';
import type { Logger } from '../util/host';
import { isAlive } from '../util/processes';

export interface WorkspaceLeaderOptions {
  /** The workspace's key (as tagged on its sessions): engines with the same key elect one leader. */
  workspace: string;
  logger: Logger;
  /** How often a follower tries again besides the leader's end, in ms. */
  retryMs?: number;
  /** A name of this engine for the log. */
  label?: string;
  /** A window (the default) or the keeper, which takes the lead from a window. */
  role?: LeaderRole;
  /** The workspace's lead secret (leadSecret()): a window hands the lead over only to a keeper that gives it. */
  secret?: string;
  /** What it leads, for the log ("the workspace: scheduled jobs and the API run here" unless given). */
  leads?: string;
}

export type LeaderRole = 'window' | 'keeper';

/** Who leads, as the leader told its followers. */
export interface LeaderInfo {
  role: LeaderRole;
  pid: number;
}

/** How long a window that handed the lead over, or heard of a hand-over, leaves it to the keeper. */
const HANDOVER_MS = 5000;

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
  /** Until when this engine leaves the lead to a keeper taking it (ms since the epoch). */
  private leaveUntil = 0;
  /** The keeper the lead is being handed to, where it said its pid: its death ends the wait. */
  private handingTo: number | undefined;
  private secret: string | undefined;
  private leaderInfo: LeaderInfo | undefined;
  private readonly leaderEmitter = new Emitter<LeaderInfo | undefined>();
  /** Fires when who leads changes as a follower hears it (undefined: none known, or this engine). */
  readonly onDidChangeLeader = this.leaderEmitter.event;

  constructor(private readonly options: WorkspaceLeaderOptions) {
    this.address = leaderAddress(options.workspace);
    this.secret = options.secret;
  }

  /** The workspace's lead secret, once read (a window that has none never hands the lead over). */
  setSecret(secret: string): void {
    this.secret = secret;
  }

  private get role(): LeaderRole {
    return this.options.role ?? 'window';
  }

  /** Who leads: this engine, or the leader that told its followers (undefined while unknown). */
  get leader(): LeaderInfo | undefined {
    return this.leading ? { role: this.role, pid: process.pid } : this.leaderInfo;
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
    if (Date.now() < this.leaveUntil) return this.follow();
    const server = createServer((socket) => {
      // A follower watching: it learns of this engine's end when the connection closes.
      this.followers.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.followers.delete(socket));
      socket.unref();
      socket.write(`leader ${this.role} ${process.pid}\n`);
      onLines(socket, (line) => {
        const [word, secret, pid] = line.split(' ');
        if (word === 'yield' && this.role === 'window' && this.server === server && this.secretMatches(secret)) this.handOver(/^\d+$/.test(pid ?? '') ? Number(pid) : undefined);
      });
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
    this.options.logger.info(`${this.options.label ?? 'This window'} leads ${this.options.leads ?? 'the workspace: scheduled jobs and the API run here'}`);
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
      socket.on('connect', () => {
        connected = true;
        // The keeper asks a leading window for the lead (another keeper ignores it).
        if (this.role === 'keeper' && this.secret) socket.write(`yield ${this.secret} ${process.pid}\n`);
      });
      onLines(socket, (line) => {
        const [word, role, pid] = line.split(' ');
        if (word === 'leader' && (role === 'window' || role === 'keeper') && /^\d+$/.test(pid)) {
          this.setLeaderInfo({ role, pid: Number(pid) });
          // The keeper leads: a hand-over is done, and its end is this window's to take at once.
          if (role === 'keeper') {
            this.leaveUntil = 0;
            this.handingTo = undefined;
          }
        }
        // The leader hands the lead over to the keeper (`handover <pid>`): a window leaves it to the keeper.
        if (word === 'handover' && this.role === 'window') this.leaveFor(/^\d+$/.test(role ?? '') ? Number(role) : undefined);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        if (this.watch === socket) this.watch = undefined;
        this.setLeaderInfo(undefined);
        if (this.disposed) return;
        // The leader ended: take over now (unless it handed the lead to a keeper that still lives).
        // A connection that never came up (the leader was just going) tries again shortly, never
        // in a tight loop.
        if (this.handingTo !== undefined && !isAlive(this.handingTo)) {
          this.options.logger.info(`The keeper (pid ${this.handingTo}) ended while taking the lead; a window takes it`);
          this.leaveUntil = 0;
          this.handingTo = undefined;
          void this.tryLead();
        } else if (Date.now() < this.leaveUntil) this.watchSoon();
        else if (connected) void this.tryLead();
        else this.retryIn(FAILED_WATCH_RETRY_MS);
      });
    }
    this.retryIn(this.options.retryMs ?? DEFAULT_RETRY_MS);
  }

  /** Watches the next leader shortly (the keeper taking the lead), without trying to lead. */
  private watchSoon(): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.follow(), FAILED_WATCH_RETRY_MS);
    this.timer.unref();
  }

  private retryIn(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => void this.tryLead(), ms);
    this.timer.unref();
  }

  /** Leaves the lead to a keeper taking it, for HANDOVER_MS or until that keeper (its pid, where known) is gone. */
  private leaveFor(pid: number | undefined): void {
    this.leaveUntil = Date.now() + HANDOVER_MS;
    this.handingTo = pid;
  }

  /** Gives the lead to the keeper that asked: the followers hear first, then the lock goes. */
  private handOver(pid: number | undefined): void {
    const server = this.server;
    if (!server) return;
    this.options.logger.info(`${this.options.label ?? 'This window'} hands the lead to the background keeper`);
    this.leaveFor(pid);
    for (const socket of this.followers) socket.end(`handover${pid === undefined ? '' : ` ${pid}`}\n`);
    this.server = undefined;
    server.close();
    this.emitter.fire(false);
    this.follow();
  }

  private secretMatches(given: string | undefined): boolean {
    const secret = this.secret;
    if (!secret || !given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private setLeaderInfo(info: LeaderInfo | undefined): void {
    if (info?.role === this.leaderInfo?.role && info?.pid === this.leaderInfo?.pid) return;
    this.leaderInfo = info;
    this.leaderEmitter.fire(info);
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
    this.leaderEmitter.dispose();
  }
}

/** Calls `onLine` with each line the socket receives (at most 1 KiB held for a line not yet ended). */
function onLines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
    }
    if (buffered.length > 1024) buffered = '';
  });
}

/** The workspace's lead secret in its state folder (made once, readable only by the user). */
export async function leadSecret(stateDir: string): Promise<string> {
  const file = path.join(stateDir, 'lead-secret');
  const existing = await fs.readFile(file, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  // Made whole beside it, then linked in place: two hosts at once keep the one linked first.
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const made = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await fs.writeFile(made, randomBytes(32).toString('hex'), { mode: 0o600 });
  try {
    await fs.link(made, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await fs.rm(made, { force: true });
  }
  return (await fs.readFile(file, 'utf8')).trim();
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
