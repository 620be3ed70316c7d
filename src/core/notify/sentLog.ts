/**
 * The record of what was sent, in the state folder's `notified.json`, shared by every engine of the
 * workspace: each event's id with "sending" (and by when its sender will have said how it went),
 * "sent" or "failed". Read where a decision needs it, from a copy kept while the file is unchanged
 * (its size, time and inode say so), so that an event costs one `stat` to check, not a parse.
 * Written one entry at a time, read again first (another engine may have written), old entries
 * pruned.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';
import type { Clock, Logger } from '../util/host';
import { isAlive } from '../util/processes';
import type { NotifyEvent } from './notifyEvents';

export const SENT_FILE = 'notified.json';
/** How long the record keeps an entry, and how many it keeps. */
const KEEP_MS = 7 * 24 * 3600_000;
const KEEP_ENTRIES = 2000;

export interface SentEntry {
  state: 'sending' | 'sent' | 'failed';
  at: number;
  /** While sending: by when its sender will have written how it went (0: it ended, sending no more). */
  until?: number;
  /** While sending: the sender's process (one that is gone sends no more, whatever `until` says). */
  pid?: number;
  /** Kept while it is being sent, for a leader that takes over to send it again. */
  event?: NotifyEvent;
}

export type SentRecord = Record<string, SentEntry>;

/**
 * Whether an entry is being sent by no one: its sender said it ended, its time is past, or its
 * process is gone (killed in the middle: a keeper's SIGKILL, a window's crash).
 */
export function abandoned(entry: SentEntry, now: number): boolean {
  if (entry.state !== 'sending') return false;
  if ((entry.until ?? 0) <= now) return true;
  return entry.pid !== undefined && entry.pid !== process.pid && !isAlive(entry.pid);
}

export class SentLog {
  private cached: { key: string; record: SentRecord } | undefined;
  /** The writes, one after another. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly stateDir: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  private get file(): string {
    return path.join(this.stateDir, SENT_FILE);
  }

  /** The record as the file has it now (an unreadable or missing file: empty). */
  async read(): Promise<SentRecord> {
    let key: string;
    try {
      const stat = await fs.stat(this.file, { bigint: true });
      key = `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
    } catch {
      this.cached = undefined;
      return {};
    }
    if (this.cached?.key === key) return this.cached.record;
    let record: SentRecord = {};
    try {
      const data: unknown = JSON.parse(await fs.readFile(this.file, 'utf8'));
      if (data && typeof data === 'object' && !Array.isArray(data)) record = data as SentRecord;
    } catch {
      // Written atomically, so only a file someone else broke: taken as empty.
    }
    this.cached = { key, record };
    return record;
  }

  /** Writes one entry (the record read again first), pruned of old ones; never throws (a failure is logged). */
  write(id: string, entry: SentEntry): Promise<void> {
    this.writing = this.writing
      .then(async () => {
        const sent = { ...(await this.read()), [id]: entry };
        const now = this.clock.now();
        const kept = Object.entries(sent)
          .filter(([, value]) => now - value.at < KEEP_MS)
          .sort((a, b) => b[1].at - a[1].at)
          .slice(0, KEEP_ENTRIES);
        await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(kept)), { makeDir: true });
      })
      .catch((error: Error) => this.logger.warn(`Notifications: could not write ${SENT_FILE}: ${error.message}`));
    return this.writing;
  }
}
