/**
 * Reconciles the store with tmux's tags, the record of what runs: a session of this workspace
 * that the tags show and the store lacks (another window's, or this host's own from before a
 * crash) gets a record rebuilt from its tags and brought up to date with its events; an ended
 * session that the tags show running again (resumed in another window) is live again.
 */
import { isEnded, newRun, SessionRecord } from '../model/sessionRecord';
import type { HookEvent } from '../status/hookEvents';
import type { HookWatcher } from '../status/hookWatcher';
import type { PaneInfo } from '../tmux/parse';
import { decodeRecordTag, showRecordTag } from '../tmux/sessionTags';
import type { TmuxServers } from '../tmux/tmuxServers';
import type { Clock, Logger } from '../util/host';
import { recordFromTag } from './recordTags';
import type { SessionStore } from './sessionStore';

export interface TagReconcilerParts {
  store: SessionStore;
  servers: TmuxServers;
  watcher: Pick<HookWatcher, 'eventsOf'>;
  /** This engine's workspace, as tagged on its sessions. */
  workspace: string;
  clock: Clock;
  logger: Logger;
  /** Applies events read again (up to a record's cursor they are skipped). */
  applyEvents: (events: readonly HookEvent[]) => void;
  /** A session found up: it is not judged vanished before a listing shows it. */
  noteStarted: (id: string) => void;
}

export class TagReconciler {
  constructor(private readonly parts: TagReconcilerParts) {}

  /** The records found or restarted from the tags of one server's sessions (one per session). */
  async reconcile(socket: string, bySession: ReadonlyMap<string, PaneInfo>): Promise<SessionRecord[]> {
    const { store, servers, workspace, clock } = this.parts;
    const found: SessionRecord[] = [];
    for (const pane of bySession.values()) {
      const { id, workspace: tagged, run } = pane.tags;
      if (!id || tagged !== workspace) continue;
      const known = store.byId(id);
      if (known && (run ?? 1) <= (known.runs ?? 1)) continue;
      let tag;
      try {
        tag = decodeRecordTag(await servers.client(socket).run([showRecordTag(pane.sessionName)]));
      } catch {
        continue; // Gone meanwhile.
      }
      // Its tmux name is the workspace's for the tag's name, or (started before that naming) the name itself.
      if (!tag || tag.id !== id) continue;
      const record = known ? this.restart(known, tag.runs, tag.resumedAt, pane.sessionName) : await this.adopt(recordFromTag(tag, socket, pane.sessionName, clock.now()));
      if (record) found.push(record);
    }
    return found;
  }

  private async adopt(record: SessionRecord): Promise<SessionRecord | undefined> {
    const { store, watcher, logger } = this.parts;
    const holder = store.get(record.name);
    if (holder && holder.id !== record.id) {
      // A live holder's pane is now another session's: it is judged gone first, and this one taken at the next refresh.
      if (!isEnded(holder)) return undefined;
      logger.info(`${record.name} was started again in another window: its earlier, ended session leaves the list`);
      await store.remove(holder.name, holder.id);
    }
    // Its events so far (of its current run), read before it is known, so that none is missed,
    // and again after, for those that came in between.
    const since = record.resumedAt ?? 0;
    const eventsOfThisRun = async () => (await watcher.eventsOf(record.id)).filter((event) => event.at >= since);
    const backlog = await eventsOfThisRun();
    if (!store.add(record).added) return undefined;
    this.parts.applyEvents(backlog);
    this.parts.applyEvents(await eventsOfThisRun());
    this.parts.noteStarted(record.id);
    logger.info(`Found ${record.name} in tmux (started by another window, or before a restart); tracking it`);
    return store.get(record.name);
  }

  private restart(known: SessionRecord, runs: number, resumedAt: number | undefined, tmuxSession: string): SessionRecord | undefined {
    const { store, watcher, clock, logger } = this.parts;
    // Its resume time is when the other window started it; a tag from before that field says now.
    const restarted = store.update(known.name, known.id, (current) => ({ ...newRun(current, { runs, at: resumedAt ?? clock.now(), signal: 'reconcile', detail: 'resumed in another window' }), tmuxSession }));
    if (!restarted) return undefined;
    this.parts.noteStarted(known.id);
    logger.info(`${known.name} was resumed in another window (run ${runs}); tracking it`);
    void watcher.eventsOf(known.id).then((events) => this.parts.applyEvents(events.filter((event) => event.at >= (resumedAt ?? 0))));
    return restarted;
  }
}
