/**
 * Watches the events folder the hooks (and the engines themselves) write to, and hands over each
 * new event once to this engine, in the order they were written. Events are read, never taken:
 * several engines (windows of one workspace, a reloading host) watch the same folder and each
 * sees every event, and an engine that starts late reads what happened while it was away. The
 * files are removed with their session, or by age (SessionFiles), never by a reader; those of a
 * session ended a while ago are moved to a folder of their own in the archive, so that the
 * watched folder holds only what a running engine can still need.
 * Watching (inotify, FSEvents) makes an event seen within milliseconds.
 */
import { promises as fs, watch, FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../util/host';
import { coalesce } from '../util/coalesce';
import { Emitter } from '../util/emitter';
import { HookEvent, parseHookPayload, sessionIdOfEventFile } from './hookEvents';

export interface HookBatch {
  /** Oldest first. */
  events: HookEvent[];
  /** Read at start (or for a session found later): some may already be in a stored record. */
  replay: boolean;
}

interface EventFile {
  file: string;
  name: string;
  sessionId: string;
  mtimeNs: bigint;
}

/** Event files read at once. */
const READERS = 16;

export class HookWatcher {
  private readonly emitter = new Emitter<HookBatch>();
  readonly onEvents = this.emitter.event;
  private watcher: FSWatcher | undefined;
  private disposed = false;
  private started = false;
  /** The event files this engine has handed over (pruned of files that are gone). */
  private readonly seen = new Set<string>();

  /**
   * `archiveDir`: where each ended session's events may have been moved, a folder per session.
   * `appliedUpTo`: the order key of the last event applied to a session (its record's cursor): at
   * start, the files up to it are taken as handed over without being read.
   */
  constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly archiveDir?: string,
    private readonly appliedUpTo: (sessionId: string) => string | undefined = () => undefined,
  ) {}

  async start(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    this.watch();
    await this.drain();
    this.started = true;
  }

  private watch(): void {
    if (this.disposed) return;
    try {
      this.watcher = watch(this.dir, { persistent: false }, () => void this.drain());
      this.watcher.on('error', (error) => {
        this.logger.warn(`Watching ${this.dir} failed: ${String(error)}; watching again.`);
        this.watcher?.close();
        setTimeout(() => void fs.mkdir(this.dir, { recursive: true }).then(() => this.watch(), () => this.watch()), 500).unref();
      });
    } catch (error) {
      this.logger.error(`Cannot watch ${this.dir}: ${String(error)}`);
    }
  }

  /** Takes a file as handed over already (one its reader wrote itself). */
  markSeen(name: string): void {
    this.seen.add(name);
  }

  /** Reads every event not handed over yet. Calls while a drain runs make it run once more. */
  readonly drain: () => Promise<void> = coalesce(() => this.drainOnce(), () => this.disposed);

  private async drainOnce(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      return;
    }
    const present = new Set(names);
    for (const name of this.seen) if (!present.has(name)) this.seen.delete(name);
    let files = await this.stat(names.filter((name) => !this.seen.has(name)));
    if (!this.started) {
      // A start reads only what came after each session's last applied event: the rest is in its record.
      files = files.filter((file) => {
        const cursor = this.appliedUpTo(file.sessionId);
        if (cursor === undefined || eventOrder(file.mtimeNs, file.name) > cursor) return true;
        this.seen.add(file.name);
        return false;
      });
    }
    const events = await this.read(files, true);
    if (events.length > 0 && !this.disposed) this.emitter.fire({ events, replay: !this.started });
  }

  /**
   * Every event of one session still in the folder, oldest first, whether handed over or not: for a
   * session this engine learns of after its events came (started by another engine, or before a crash).
   */
  async eventsOf(sessionId: string): Promise<HookEvent[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const current = await this.stat(names.filter((name) => sessionIdOfEventFile(name) === sessionId));
    const archived = await this.archivedFiles(sessionId);
    return this.read([...archived, ...current].sort(byOrder), false);
  }

  /** The sessions with events in the archive (one listing, for a start that asks of many). */
  async archivedSessions(): Promise<Set<string>> {
    if (!this.archiveDir) return new Set();
    return new Set(await fs.readdir(this.archiveDir).catch(() => [] as string[]));
  }

  /** The events of one session that were moved to the archive, oldest first. */
  async archivedEventsOf(sessionId: string): Promise<HookEvent[]> {
    return this.read(await this.archivedFiles(sessionId), false);
  }

  private async archivedFiles(sessionId: string): Promise<EventFile[]> {
    if (!this.archiveDir) return [];
    const dir = path.join(this.archiveDir, sessionId);
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    return this.stat(names.filter((name) => sessionIdOfEventFile(name) === sessionId), dir);
  }

  private async stat(names: readonly string[], dir = this.dir): Promise<EventFile[]> {
    const files: EventFile[] = [];
    await Promise.all(
      names.map(async (name) => {
        const sessionId = sessionIdOfEventFile(name);
        if (!sessionId) return;
        const file = path.join(dir, name);
        try {
          const stat = await fs.stat(file, { bigint: true });
          files.push({ file, name, sessionId, mtimeNs: stat.mtimeNs });
        } catch {
          // Removed with its session meanwhile.
        }
      }),
    );
    return files.sort(byOrder);
  }

  /** The events of `files`, in their order: read several at a time (a start may find hundreds), parsed in order. */
  private async read(files: readonly EventFile[], markSeen: boolean): Promise<HookEvent[]> {
    const taken = files.filter(({ name }) => {
      if (!markSeen) return true;
      if (this.seen.has(name)) return false; // handed over by a drain that ran meanwhile
      this.seen.add(name);
      return true;
    });
    const texts: (string | undefined)[] = new Array(taken.length);
    let next = 0;
    const reader = async () => {
      for (let index = next++; index < taken.length; index = next++) {
        try {
          texts[index] = await fs.readFile(taken[index].file, 'utf8');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`Could not read ${taken[index].file}: ${String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READERS, taken.length) }, reader));
    const events: HookEvent[] = [];
    taken.forEach(({ name, sessionId, mtimeNs }, index) => {
      const text = texts[index];
      if (text === undefined) return;
      const event = parseHookPayload(sessionId, text, Number(mtimeNs / 1_000_000n), eventOrder(mtimeNs, name));
      if (event) events.push(event);
      else this.logger.warn(`Ignored an event file that is not a hook payload: ${name}`);
    });
    return events;
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    this.emitter.dispose();
  }
}

/** As eventOrder's texts compare (by code unit, not by locale): a cursor skips exactly what sorted before it. */
const byOrder = (a: EventFile, b: EventFile): number => (a.mtimeNs !== b.mtimeNs ? (a.mtimeNs < b.mtimeNs ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A text that sorts as the events were written: the time in ns (fixed width), then the file name. */
export function eventOrder(mtimeNs: bigint, name: string): string {
  return `${mtimeNs.toString().padStart(20, '0')}:${name}`;
}
