/**
 * A workspace's API as a host serves it (a window, the keeper: whichever leads the workspace).
 *
 * On the port every workspace shares (instar.api.port 4040, the default), the workspace's own
 * server listens on a free port, its entry goes in the door registry, and the host takes part in
 * holding the front door on the shared port; `.instar/config.json` names the shared port once an
 * Instar door of this user answers there, else the server's own port (with a warning, and the
 * reason in `problem`). On any other port (0: a free one) the server listens there alone; a
 * port held by something else is a clear error that says what to set.
 *
 * The token is the workspace's: changed here (setToken), it reaches the server, the registry and
 * the file at once.
 */
import { machineStateRoot } from '../lead/workspaceDirectory';
import type { SessionEngine } from '../sessions/sessionEngine';
import { coalesce } from '../util/coalesce';
import { Emitter } from '../util/emitter';
import type { Logger } from '../util/host';
import { ApiServer } from './apiServer';
import { DoorElection } from './doorElection';
import { DoorRegistration, doorsFolder, readDoorEntries, registryId, tokenHash } from './doorRegistry';
import { generateToken, readInstarConfig, writeInstarConfig } from './instarConfig';
import { describeHolder, PortHolder, whoHolds } from './portHolder';

/** The port every workspace shares through the front door: instar.api.port's default. */
export const SHARED_API_PORT = 4040;

export interface ApiHostingOptions {
  engine: SessionEngine;
  /** instar.api.port: the shared port, another one of this workspace alone, or 0 for any free one. */
  port: number;
  /** The workspace's token. */
  token: string;
  /** The workspace folder (sessions run there; `.instar/config.json` is written there). */
  folder: string;
  /** Every folder of a multi-root workspace, the first first: a spawn may name any. */
  folders?: readonly string[];
  workspaceKey: string;
  version: string;
  logger: Logger;
  /** This host, for the log ("This window", "The keeper"). */
  label?: string;
  /** The machine's state folder, where the door registry is (machineStateRoot() unless given). */
  stateRoot?: string;
  /** The shared port (SHARED_API_PORT unless given: tests). */
  sharedPort?: number;
  /** Called when the hosting gave the workspace a new token itself (another open workspace had the same). */
  onToken?: (token: string) => void;
  /** How long to look for the door on the shared port when another host holds it, at most, in ms. */
  doorWaitMs?: number;
  /** How often a host kept off the shared port tries it again, in ms. */
  blockedRetryMs?: number;
  /** The server's rate limit per client (ApiServer's default unless given: the benchmark's many calls). */
  requestsPerMinute?: number;
}

const DOOR_WAIT_MS = 3000;
const RECHECK_MS = 10_000;

export class ApiHosting {
  private server: ApiServer | undefined;
  private registration: DoorRegistration | undefined;
  private election: DoorElection | undefined;
  private own: number | undefined;
  private published: number | undefined;
  private currentToken: string;
  private currentProblem: string | undefined;
  private stopped = false;
  private recheck: NodeJS.Timeout | undefined;
  /** The id of the door registry it joined (registryId()). */
  private registry: string | undefined;
  /** The token last written to `.instar/config.json` by this hosting. */
  private writtenToken: string | undefined;
  private readonly emitter = new Emitter<void>();
  /** Fires when the public port or the problem changed. */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly options: ApiHostingOptions) {
    this.currentToken = options.token;
  }

  /** Whether the API shares the port every workspace shares (through the front door). */
  get shared(): boolean {
    return this.options.port === this.sharedPort;
  }

  private get sharedPort(): number {
    return this.options.sharedPort ?? SHARED_API_PORT;
  }

  /** The port scripts and agents call (in `.instar/config.json`): the shared one or the server's own. */
  get publicPort(): number | undefined {
    return this.published;
  }

  /** Where the workspace's own server listens. */
  get ownPort(): number | undefined {
    return this.own;
  }

  get token(): string {
    return this.currentToken;
  }

  /** Why the API could not start, or answers elsewhere than asked (undefined: none). */
  get problem(): string | undefined {
    return this.currentProblem;
  }

  /** Whether this host holds the front door now. */
  get holdsDoor(): boolean {
    return !this.stopped && this.election?.state === 'holding';
  }

  /** Starts the API; resolves with the public port, or rejects with what to do (also in `problem`). */
  async start(): Promise<number> {
    const port = this.shared ? await this.startShared() : await this.startAlone();
    const own = this.own === port ? '' : ` (the port every workspace shares; this workspace's own: ${this.own})`;
    this.options.logger.info(`API listening on http://127.0.0.1:${port}${own}`);
    return port;
  }

  private newServer(port: number): ApiServer {
    const { engine, folder, folders, version, logger, requestsPerMinute } = this.options;
    return new ApiServer(engine, { port, token: this.currentToken, cwd: folder, folders, version, logger, requestsPerMinute });
  }

  private async startAlone(): Promise<number> {
    const { port } = this.options;
    const server = this.newServer(port);
    try {
      this.own = await server.start();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') this.setProblem(`The API could not listen on port ${port} (instar.api.port): ${(error as Error).message}`);
      else {
        const holder = await whoHolds(port);
        this.setProblem(`Port ${port} (instar.api.port) is held by ${holder.kind === 'nobody' ? 'another program' : describeHolder(holder)}: set instar.api.port to a free port, or to ${this.sharedPort} (one port every workspace shares), or to 0 for any free one.`);
      }
      throw new Error(this.currentProblem, { cause: error });
    }
    this.server = server;
    await this.publish(this.own, undefined);
    return this.own;
  }

  private async startShared(): Promise<number> {
    const { logger, workspaceKey, folder } = this.options;
    const server = this.newServer(0);
    let own: number;
    try {
      own = await server.start();
    } catch (error) {
      this.setProblem(`The API could not listen on 127.0.0.1: ${(error as Error).message}`);
      throw new Error(this.currentProblem, { cause: error });
    }
    this.own = own;
    this.server = server;
    const dir = doorsFolder(this.options.stateRoot ?? machineStateRoot());
    this.registry = registryId(dir);
    try {
      await this.ensureOwnToken(dir);
      this.registration = await DoorRegistration.create(dir, { workspaceKey, token: this.currentToken, port: own, folder });
      const election = new DoorElection({ port: this.sharedPort, registryDir: dir, version: this.options.version, logger, label: this.options.label, blockedRetryMs: this.options.blockedRetryMs });
      this.election = election;
      election.onDidChange(() => void this.findPublicPort());
      await election.start();
    } catch (error) {
      await this.publish(own, `This workspace's API answers on its own port ${own}, not on ${this.sharedPort}: it could not join the other workspaces there (${(error as Error).message}).`);
      return own;
    }
    await this.findPublicPort();
    return this.published ?? own;
  }

  /**
   * A token must name one workspace: where another open workspace has the same (a folder copied
   * with its `.instar/`), this one gets a new token.
   */
  private async ensureOwnToken(dir: string): Promise<void> {
    const hash = tokenHash(this.currentToken);
    const other = (await readDoorEntries(dir)).find(({ entry }) => entry.tokenHash === hash && entry.workspaceKey !== this.options.workspaceKey);
    if (!other) return;
    this.currentToken = generateToken();
    this.server?.setToken(this.currentToken);
    this.options.logger.warn(`This workspace had the API token of another open workspace (${other.entry.folder}): a token must name one workspace, so this one has a new token, in its .instar/config.json`);
    this.options.onToken?.(this.currentToken);
  }

  /** Names the shared port where the door answers there, else the server's own, with why. */
  private readonly findPublicPort: () => Promise<void> = coalesce(async () => {
    const own = this.own;
    if (this.stopped || own === undefined) return;
    const held = await this.doorAnswers();
    if (this.stopped) return;
    if (held === undefined) return this.publish(this.sharedPort, undefined);
    const by = typeof held === 'string' ? held : held.kind === 'nobody' ? `nothing: no host of Instar Sessions took it within ${(this.options.doorWaitMs ?? DOOR_WAIT_MS) / 1000} s` : describeHolder(held);
    await this.publish(
      own,
      `This workspace's API answers on its own port ${own}, not on ${this.sharedPort}: port ${this.sharedPort} is held by ${by}. Scripts that call http://localhost:${this.sharedPort} do not reach this workspace; its .instar/config.json and its agents name port ${own}.`,
    );
  });

  /** Undefined where a door of this user answers on the shared port; else what holds it. */
  private async doorAnswers(): Promise<PortHolder | string | undefined> {
    const deadline = Date.now() + (this.options.doorWaitMs ?? DOOR_WAIT_MS);
    for (;;) {
      const state = this.election?.state;
      if (state === 'holding') return undefined;
      if (state === 'blocked') return this.election?.blockedBy ?? 'another program';
      const holder = await whoHolds(this.sharedPort, this.registry);
      if (holder.kind === 'door' && holder.ours) return undefined;
      // Nobody yet: the host chosen to hold the door is taking the port.
      if (holder.kind !== 'nobody' || Date.now() >= deadline || this.stopped) return holder;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Writes `.instar/config.json` with the port and the token; tells the host when either the port or the problem changed. */
  private async publish(port: number, problem: string | undefined): Promise<void> {
    const token = this.currentToken;
    if (port !== this.published || token !== this.writtenToken) await writeInstarConfig(this.options.folder, { port, token });
    this.writtenToken = token;
    const moved = port !== this.published;
    this.published = port;
    if (problem !== this.currentProblem && problem !== undefined) this.options.logger.warn(problem);
    else if (moved && this.currentProblem !== undefined && problem === undefined) this.options.logger.info(`This workspace's API answers on port ${port} again, with the other workspaces`);
    const changed = moved || problem !== this.currentProblem;
    this.currentProblem = problem;
    if (changed && !this.stopped) this.emitter.fire();
    // Kept off the shared port while another host is chosen to hold it: looks again now and
    // then, so that the workspace joins the others once that host has the port.
    clearTimeout(this.recheck);
    if (problem !== undefined && this.election && !this.stopped) {
      this.recheck = setTimeout(() => void this.findPublicPort(), this.options.blockedRetryMs === undefined ? RECHECK_MS : 2 * this.options.blockedRetryMs);
      this.recheck.unref();
    }
  }

  private setProblem(problem: string): void {
    this.currentProblem = problem;
    this.emitter.fire();
  }

  /** Writes `.instar/config.json` again where it does not name this API's port and token (another host wrote its own). */
  async republish(): Promise<boolean> {
    const port = this.published;
    if (port === undefined || this.stopped) return false;
    const config = await readInstarConfig(this.options.folder);
    const token = this.currentToken;
    if (config?.port === port && config.token === token) return false;
    await writeInstarConfig(this.options.folder, { port, token });
    this.writtenToken = token;
    return true;
  }

  /** A new token: the old one is refused at once, the registry and the file name the new one. */
  async setToken(token: string): Promise<void> {
    this.currentToken = token;
    this.server?.setToken(token);
    await this.registration?.update({ token });
    if (this.published !== undefined) await writeInstarConfig(this.options.folder, { port: this.published, token });
    this.writtenToken = token;
  }

  /** Stops serving: the door is left (another host takes it), the entry removed, the server closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.recheck);
    this.election?.dispose();
    await this.registration?.dispose();
    await this.server?.stop();
    this.emitter.dispose();
  }
}
