/**
 * What the workspaces sharing a tmux server see of one another (several projects open at once).
 * The leader of each workspace publishes its live sessions' state and cost in their
 * `@instar-state` tag as they change (one tmux call per server for each change, the calls one
 * after another so that a later state is never overwritten by an earlier); a session that starts or
 * stops waiting for a person also signals the server's change channel, so that every engine on
 * the server lists at once. Every engine reads the other workspaces' sessions from the listing it
 * makes anyway (the tag rides in `list-panes`): no call of its own.
 */
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { CHANGE_CHANNEL } from '../tmux/changeWatch';
import type { TmuxArgs } from '../tmux/commands';
import type { PaneInfo } from '../tmux/parse';
import { decodeStateTag, encodeStateTag, PublishedState, setStateTag } from '../tmux/sessionTags';
import type { TmuxServers } from '../tmux/tmuxServers';
import { Emitter } from '../util/emitter';
import type { Logger } from '../util/host';
import type { SessionStore } from './sessionStore';

/** A live session of another workspace on this engine's tmux server. */
export interface OtherSession {
  /** Its workspace's key (as tagged). */
  workspaceKey: string;
  /** Its name in its workspace. */
  name: string;
  tmuxSession: string;
  /** As its workspace's leader last published it; undefined where none did (an earlier version). */
  status: string | undefined;
  costUsd: number | undefined;
  attached: boolean;
}

export class StatePublisher {
  private publishing = false;
  /** What was last written for each session (by id). */
  private readonly published = new Map<string, string>();
  /** The writes, one after another. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: SessionStore,
    private readonly servers: TmuxServers,
    private readonly logger: Logger,
  ) {
    store.onDidChange(({ changed }) => {
      if (this.publishing) this.publish(changed);
    });
  }

  /** On while this engine leads its workspace: it publishes every live session's state at once, then each change. */
  setPublishing(on: boolean): void {
    if (on === this.publishing) return;
    this.publishing = on;
    this.published.clear();
    if (on) this.publish(this.store.all());
  }

  private publish(records: readonly SessionRecord[]): void {
    const bySocket = new Map<string, { record: SessionRecord; value: string; commands: TmuxArgs[] }[]>();
    let waitingChanged = false;
    for (const record of records) {
      // A session not yet in tmux (its spawn under way) is published at its next change.
      if (isEnded(record) || record.paneId === undefined) continue;
      const state: PublishedState = { status: record.status, costUsd: record.usage?.costUsd };
      const value = encodeStateTag(state);
      const before = this.published.get(record.id);
      if (before === value) continue;
      this.published.set(record.id, value);
      waitingChanged ||= (before?.startsWith('waiting') ?? false) !== (record.status === 'waiting');
      const list = bySocket.get(record.tmuxSocket) ?? [];
      list.push({ record, value, commands: [setStateTag(record.tmuxSession, state)] });
      bySocket.set(record.tmuxSocket, list);
    }
    // One tmux call per server (every session at a lead's start); the change channel signalled last.
    for (const [socket, items] of bySocket) this.writing = this.writing.then(() => this.write(socket, items, waitingChanged));
  }

  private async write(socket: string, items: { record: SessionRecord; value: string; commands: TmuxArgs[] }[], signal: boolean): Promise<void> {
    const client = this.servers.client(socket);
    const tail: TmuxArgs[] = signal ? [['wait-for', '-S', CHANGE_CHANNEL]] : [];
    try {
      await client.run([...items.flatMap((item) => item.commands), ...tail]);
      return;
    } catch {
      // One session gone meanwhile stops the call at its command: each on its own then.
    }
    for (const item of items) {
      await client.run(item.commands).catch((error: Error) => {
        if (this.published.get(item.record.id) === item.value) this.published.delete(item.record.id);
        this.logger.debug(`Could not publish the state of ${item.record.name}: ${error.message}`);
      });
    }
    if (signal) await client.run(tail).catch(() => undefined);
  }
}

/** The other workspaces' live sessions (waiting ones first), from each listing of the engine's server; fires when they change. */
export class OtherWorkspaces {
  private sessions: OtherSession[] = [];
  private key = '';
  private readonly changes = new Emitter<readonly OtherSession[]>();
  readonly onDidChange = this.changes.event;

  constructor(private readonly workspace: string) {}

  get list(): readonly OtherSession[] {
    return this.sessions;
  }

  /** Takes a listing of the engine's server. */
  take(panes: readonly PaneInfo[]): void {
    const seen = new Map<string, OtherSession>();
    for (const pane of panes) {
      const { id, workspace, state } = pane.tags;
      if (!id || !workspace || workspace === this.workspace || pane.dead || seen.has(pane.sessionName)) continue;
      const published = decodeStateTag(state);
      seen.set(pane.sessionName, {
        workspaceKey: workspace,
        // `<label>-<key>/<name>`, or (started before that naming) the name itself.
        name: pane.sessionName.slice(pane.sessionName.lastIndexOf('/') + 1),
        tmuxSession: pane.sessionName,
        status: published?.status,
        costUsd: published?.costUsd,
        attached: pane.attachedClients > 0,
      });
    }
    // Those waiting for a person first, then by name: the order every list of them shows.
    const sessions = [...seen.values()].sort((a, b) => Number(b.status === 'waiting') - Number(a.status === 'waiting') || a.name.localeCompare(b.name) || a.workspaceKey.localeCompare(b.workspaceKey));
    const key = JSON.stringify(sessions);
    if (key === this.key) return;
    this.key = key;
    this.sessions = sessions;
    this.changes.fire(sessions);
  }
}
