/**
 * Which API host of the machine holds the front door: every host that serves a workspace's API on
 * the shared port takes part, through the same election as a workspace's leader (an abstract
 * socket the kernel frees when its holder dies), under a key of the door's own. The one chosen
 * listens on the port; when it goes, another takes the port at once. One that finds the port
 * held by something else says so once and tries again, soon at first (a door that is closing),
 * then slowly.
 */
import { WorkspaceLeader } from '../lead/workspaceLeader';
import { Emitter, type Event } from '../util/emitter';
import type { Disposable } from '../util/disposables';
import type { Logger } from '../util/host';
import { DoorRegistry, registryId } from './doorRegistry';
import { FrontDoor } from './frontDoor';
import { describeHolder, whoHolds } from './portHolder';

export interface DoorElectionOptions {
  /** The shared port. */
  port: number;
  /** The door registry's folder (doorsFolder()). */
  registryDir: string;
  version: string;
  logger: Logger;
  /** This host, for the log ("This window", "The keeper"). */
  label?: string;
  /** How often a host chosen but kept off the port tries again, once the first seconds are past, in ms. */
  blockedRetryMs?: number;
  /** How long a request through the door waits for its workspace's API to come back, in ms. */
  takeoverMs?: number;
}

/** Following (another host holds the door), holding it, or chosen but kept off the port. */
export type DoorState = 'following' | 'holding' | 'blocked';

const SOON_RETRY_MS = 250;
const SOON_FOR_MS = 3000;
const BLOCKED_RETRY_MS = 5000;

export class DoorElection implements Disposable {
  private readonly leader: WorkspaceLeader;
  private door: FrontDoor | undefined;
  private registry: DoorRegistry | undefined;
  private timer: NodeJS.Timeout | undefined;
  private holding: Promise<void> | undefined;
  private chosenAt = 0;
  private said: string | undefined;
  private disposed = false;
  private current: DoorState = 'following';
  /** Who keeps this host off the port, in words (while blocked). */
  blockedBy: string | undefined;
  private readonly emitter = new Emitter<DoorState>();
  readonly onDidChange: Event<DoorState> = this.emitter.event;

  constructor(private readonly options: DoorElectionOptions) {
    this.leader = new WorkspaceLeader({
      // Per registry too: hosts on another state folder elect their own, and find the port taken.
      workspace: `front-door-${options.port}-${registryId(options.registryDir)}`,
      logger: options.logger,
      label: options.label ?? 'This host',
      leads: `the front door on 127.0.0.1:${options.port}: it hands each workspace's API calls to that workspace`,
    });
    this.leader.onDidChange((leading) => {
      if (leading) {
        this.chosenAt = Date.now();
        this.holdSoon();
      } else this.release();
    });
  }

  get state(): DoorState {
    return this.current;
  }

  /** Takes part; resolves once this host holds the door, follows, or was kept off the port once. */
  async start(): Promise<void> {
    await this.leader.start();
    await this.holding;
  }

  private holdSoon(): void {
    this.holding = this.hold().catch((error: Error) => {
      this.options.logger.warn(`The front door on port ${this.options.port} could not start: ${error.message}`);
      this.retryIn(this.options.blockedRetryMs ?? BLOCKED_RETRY_MS);
    });
  }

  private async hold(): Promise<void> {
    this.clearTimer();
    if (this.disposed || this.door?.listening) return;
    const { port, logger } = this.options;
    let registry = this.registry;
    if (!registry) {
      registry = this.registry = new DoorRegistry(this.options.registryDir);
      await registry.start();
    }
    const door = new FrontDoor({ port, registry, version: this.options.version, logger, takeoverMs: this.options.takeoverMs });
    let result: 'listening' | 'in-use' | Error;
    try {
      result = await door.listen();
    } catch (error) {
      result = error as Error;
    }
    if (this.disposed || !this.leader.leading) {
      door.close();
      return;
    }
    if (result instanceof Error) {
      this.block(`Instar Sessions cannot listen on port ${port}: ${result.message}. Each workspace's API answers on a port of its own meanwhile (written in its .instar/config.json).`, result.message);
      return this.retryIn(this.options.blockedRetryMs ?? BLOCKED_RETRY_MS);
    }
    if (result === 'listening') {
      this.door = door;
      if (this.said !== undefined) logger.info(`Port ${port} is free again: the front door of Instar Sessions listens there`);
      this.said = undefined;
      this.blockedBy = undefined;
      this.setState('holding');
      return;
    }
    const holder = await whoHolds(port, registryId(this.options.registryDir));
    if (this.disposed || !this.leader.leading) return;
    const soon = Date.now() - this.chosenAt < SOON_FOR_MS;
    if (holder.kind === 'nobody' || (holder.kind === 'door' && holder.ours)) {
      // Gone as it was asked (the door of the host that held it, closing), or a door on this same
      // registry that another host holds (one chosen without the election): nothing to say.
      this.blockedBy = undefined;
      this.setState('following');
      return this.retryIn(soon || holder.kind === 'nobody' ? SOON_RETRY_MS : (this.options.blockedRetryMs ?? BLOCKED_RETRY_MS));
    }
    const by = describeHolder(holder);
    this.block(`Port ${port} is held by ${by}: scripts that call http://localhost:${port} reach it, not Instar Sessions, and each workspace's API answers on a port of its own meanwhile (written in its .instar/config.json). Stop that program and Instar Sessions takes the port within seconds, or set instar.api.port to a free port.`, by);
    this.retryIn(soon ? SOON_RETRY_MS : (this.options.blockedRetryMs ?? BLOCKED_RETRY_MS));
  }

  /** Says why this host is kept off the port (once for each reason) and tells the hosts. */
  private block(message: string, by: string): void {
    if (message !== this.said) this.options.logger.warn(message);
    this.said = message;
    this.blockedBy = by;
    this.setState('blocked');
  }

  private retryIn(ms: number): void {
    this.clearTimer();
    if (this.disposed) return;
    this.timer = setTimeout(() => this.holdSoon(), ms);
    this.timer.unref();
  }

  private release(): void {
    this.clearTimer();
    this.door?.close();
    this.door = undefined;
    this.registry?.dispose();
    this.registry = undefined;
    this.blockedBy = undefined;
    if (this.disposed) this.current = 'following';
    else this.setState('following');
  }

  private setState(state: DoorState): void {
    if (state === this.current) return;
    this.current = state;
    this.emitter.fire(state);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Leaves: the port is let go first, then the election, so the next host finds the port free. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
    this.leader.dispose();
    this.emitter.dispose();
  }
}
