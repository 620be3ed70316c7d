/**
 * The registry of ended sessions, kept to a number (instar.sessions.keepEnded). A team that runs
 * a job every few minutes for weeks would otherwise keep every run: each start reads them all, the
 * tree lists them, and their snapshots, prompts and usage files stay. The engine that leads its
 * workspace forgets the oldest ended sessions past the limit as Remove does (their tmux remains
 * and files go, and every other engine forgets them through the events folder). A session whose
 * worktree is still there is kept, whatever its age, beside the limit: its row is where its work
 * is reviewed and merged. Nothing live is ever touched.
 */
import { isEnded, SessionRecord } from '../model/sessionRecord';
import { coalesce } from '../util/coalesce';
import type { Logger } from '../util/host';
import type { SessionStore } from './sessionStore';

export const DEFAULT_KEEP_ENDED = 200;
/** How long after a session ends the registry is trimmed: endings come in bursts (a batch, a killed server). */
const TRIM_DELAY_MS = 1000;

/** The ended sessions past the newest `keep` (by when they ended), oldest first; none where `keep` is 0 (every one kept). */
export function endedPastLimit(records: readonly SessionRecord[], keep: number): SessionRecord[] {
  if (!(keep > 0)) return [];
  const ended = records.filter((record) => isEnded(record) && !(record.worktree && !record.worktreeDiscarded));
  if (ended.length <= keep) return [];
  const endedAt = (record: SessionRecord) => record.endedAt ?? record.statusSince;
  ended.sort((a, b) => endedAt(a) - endedAt(b));
  return ended.slice(0, ended.length - keep);
}

export class EndedRetention {
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly store: SessionStore,
    private readonly options: {
      /** The limit now (the setting; 0 keeps every one). */
      keep: () => number;
      /** Forgets one ended session as Remove does. */
      remove: (name: string) => Promise<void>;
      logger: Logger;
    },
  ) {
    store.onDidChange(({ changed }) => {
      if (this.leading && changed.some(isEnded)) this.soon();
    });
  }

  /** On while this engine leads its workspace: it trims at once, then after sessions end. */
  setLeading(on: boolean): void {
    this.leading = on;
    if (on) this.soon();
  }

  /** Trims when the limit may have changed (the setting). */
  soon(): void {
    if (this.timer || this.disposed || !this.leading) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.trim();
    }, TRIM_DELAY_MS);
    this.timer.unref?.();
  }

  /** Forgets the ended sessions past the limit, oldest first; stops where this engine stops leading. */
  readonly trim: () => Promise<void> = coalesce(async () => {
    const keep = this.options.keep();
    const past = endedPastLimit(this.store.all(), keep);
    let forgotten = 0;
    for (const record of past) {
      if (!this.leading || this.disposed) break;
      const current = this.store.get(record.name);
      if (!current || current.id !== record.id || !isEnded(current)) continue;
      try {
        await this.options.remove(record.name);
        forgotten += 1;
      } catch (error) {
        this.options.logger.debug(`Could not forget ${record.name}: ${(error as Error).message}`);
      }
    }
    if (forgotten > 0) this.options.logger.info(`Forgot the ${forgotten} oldest ended session${forgotten === 1 ? '' : 's'}, past the ${keep} that instar.sessions.keepEnded keeps`);
  }, () => this.disposed);

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}
