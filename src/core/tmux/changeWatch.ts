/**
 * Hears from tmux itself, at once, when a session closes or a pane dies on one of our servers
 * (a session killed from a shell, an agent's wrapper killed, the server killed), or a client
 * attaches or detaches (an editor terminal, `tmux attach`): hooks of the
 * server signal a wait-for channel that one blocked tmux client per server waits on. While it
 * waits, nothing on that server can end unseen, so the monitor may check far less often
 * (monitorSchedule.ts) and no process runs per check. The user's default server (socket '')
 * gets no hooks of ours: it keeps the monitor's usual checks.
 *
 * Hooks are global options of the server, set (again: it is idempotent) by each wait, at an
 * index of their arrays that leaves other hooks alone. Every engine of every workspace on the
 * server waits on the same channel, and `wait-for -S` wakes all of them; a signal nobody waited
 * for is kept by tmux and ends the next wait at once, which costs one refresh.
 */
import { isInstarError } from '../util/errors';
import type { Clock, Logger } from '../util/host';
import { setGlobalHook, TmuxArgs } from './commands';
import type { TmuxServers } from './tmuxServers';

export const CHANGE_CHANNEL = 'instar-changed';
/** Our place in each hook's array (tmux hooks are array options). */
const HOOK_INDEX = 47;
/** What ends a session or pane (sessions killed or closed, panes whose program exited), and a client that comes or goes (an idle limit waits for it). */
const HOOKS = ['session-closed', 'pane-died', 'pane-exited', 'client-attached', 'client-detached'];
const SETUP: TmuxArgs[] = HOOKS.map((hook) => setGlobalHook(`${hook}[${HOOK_INDEX}]`, `wait-for -S ${CHANGE_CHANNEL}`));
/** A new wait on a server comes no sooner than this after the last one began (no loop of processes). */
const MIN_REARM_MS = 1000;
/** After tmux refused a wait (not a server that is gone), how long before trying again. */
const RETRY_AFTER_REFUSAL_MS = 60_000;

export class TmuxChangeWatch {
  private readonly waits = new Map<string, AbortController>();
  private readonly lastArmedAt = new Map<string, number>();
  private readonly refusedUntil = new Map<string, number>();
  private disposed = false;

  constructor(
    private readonly servers: TmuxServers,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Something ended on the server (or the wait did): check it now. */
    private readonly onChange: (socket: string) => void,
  ) {}

  /** Whether an end on this server would be heard at once. */
  watching(socket: string): boolean {
    return this.waits.has(socket);
  }

  /** Starts waiting on a server known to run (its last listing showed panes), unless already. */
  arm(socket: string): void {
    if (this.disposed || socket === '' || this.waits.has(socket)) return;
    const now = this.clock.now();
    if (now - (this.lastArmedAt.get(socket) ?? Number.NEGATIVE_INFINITY) < MIN_REARM_MS) return;
    if (now < (this.refusedUntil.get(socket) ?? 0)) return;
    this.lastArmedAt.set(socket, now);
    const abort = new AbortController();
    this.waits.set(socket, abort);
    this.servers
      .client(socket)
      .waitFor(CHANGE_CHANNEL, SETUP, abort.signal)
      .then(
        () => undefined,
        (error: Error) => {
          // A server that exited is a change like any other; a refusal is not retried for a while.
          if (!isInstarError(error, 'server-gone')) {
            this.refusedUntil.set(socket, this.clock.now() + RETRY_AFTER_REFUSAL_MS);
            this.logger.debug(`tmux server "${socket}" cannot tell of ended sessions (${error.message}); the monitor checks at its usual pace`);
          }
        },
      )
      .finally(() => {
        if (this.waits.get(socket) === abort) this.waits.delete(socket);
        if (!abort.signal.aborted && !this.disposed) this.onChange(socket);
      });
  }

  dispose(): void {
    this.disposed = true;
    for (const abort of this.waits.values()) abort.abort();
    this.waits.clear();
  }
}
