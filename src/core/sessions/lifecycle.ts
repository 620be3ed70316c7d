/** How sessions end by the user's hand: kill (the record stays, as killed) and remove. */
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { transition } from '../status/transitions';
import * as tmux from '../tmux/commands';
import type { TmuxServers } from '../tmux/tmuxServers';
import { InstarError, isGone } from '../util/errors';
import type { Clock, Logger } from '../util/host';
import type { SessionFiles } from './sessionFiles';
import type { SessionOutput } from './sessionOutput';
import type { SessionStore } from './sessionStore';

export class SessionLifecycle {
  constructor(
    private readonly store: SessionStore,
    private readonly files: SessionFiles,
    private readonly servers: TmuxServers,
    private readonly output: SessionOutput,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Ends the tmux session (interrupting a running agent) and keeps the record as killed. */
  async kill(name: string): Promise<SessionRecord> {
    const record = this.store.require(name);
    if (!isEnded(record)) {
      this.store.update(name, record.id, (current) => ({ ...current, killRequested: true }));
      await this.output.snapshot(record);
    }
    await this.killTmuxSession(record);
    const next = this.store.update(name, record.id, (current) => transition(current, { kind: 'killed', at: this.clock.now() }));
    if (next) await this.store.commit([next]);
    this.logger.info(`Killed ${name}`);
    return this.store.get(name) ?? record;
  }

  /** Forgets an ended session, with what remains of its tmux session and its files. */
  async remove(name: string): Promise<void> {
    const record = this.store.require(name);
    if (!isEnded(record)) {
      throw new InstarError('session-live', `Session "${name}" is still ${record.status}; kill it before removing it.`);
    }
    await this.killTmuxSession(record);
    await this.store.remove(name, record.id);
    await this.files.remove(record.id);
    this.logger.info(`Removed ${name}`);
  }

  /** Ends the session's tmux session; one already gone is fine. */
  private async killTmuxSession(record: SessionRecord): Promise<void> {
    try {
      await this.servers.client(record.tmuxSocket).run([tmux.killSession(record.tmuxSession)]);
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
