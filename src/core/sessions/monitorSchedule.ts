/**
 * When the status tracker checks its sessions: at a period (set by the host: every second while
 * the view is visible), stretched up to MAX_STRETCH times while every check finds all quiet
 * (nothing changed, no session between states), up to MAX_WATCHED_STRETCH times where nothing
 * could end unseen meanwhile (every session's hooks and its server tell at once), never past a
 * check that is due (an idle limit's end), and back to the period the moment anything happens (a
 * change, a hook, a pane that printed).
 */
import type { Clock, Logger } from '../util/host';

/** Quiet checks in a row before the period stretches. */
const QUIET_CHECKS_BEFORE_STRETCH = 3;
/** The most the period is stretched while all stays quiet. */
const MAX_STRETCH = 4;
/** The same, while the hooks and tmux tell of every change (the checks are a safety net then). */
const MAX_WATCHED_STRETCH = 16;

export interface MonitorScheduleOptions {
  /** One check of every session. */
  check: () => Promise<void>;
  /** Whether all sits still after a check (every live session idle, nothing on its way). */
  settled: () => boolean;
  /** Whether every change would be told without a check (hooks, and tmux's own signal). */
  watched?: () => boolean;
  /** When a check is due by, if one is (the end of an idle limit). */
  dueBy?: () => number | undefined;
  clock: Clock;
  logger: Logger;
}

export class MonitorSchedule {
  private timer: NodeJS.Timeout | undefined;
  private periodMs = 0;
  /** When the next check is due, while one is scheduled. */
  private dueAt = 0;
  /** Checks in a row that found all quiet. */
  private quietChecks = 0;
  /** Something happened since the last check began. */
  private woken = false;
  private disposed = false;

  constructor(private readonly options: MonitorScheduleOptions) {}

  /** Starts, changes or (with 0) stops the checks. */
  setPeriod(ms: number): void {
    this.periodMs = ms;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (ms > 0 && !this.disposed) this.schedule(ms);
  }

  /** Something happened: the next check comes at the period, not later. */
  wake(): void {
    this.woken = true;
    this.quietChecks = 0;
    if (this.timer && this.periodMs > 0 && this.dueAt - this.options.clock.now() > this.periodMs) this.schedule(this.periodMs);
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = this.options.clock.now() + ms;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      this.woken = false;
      await this.options.check().catch((error) => this.options.logger.debug(`Refresh failed: ${(error as Error).message}`));
      this.quietChecks = this.woken || !this.options.settled() ? 0 : this.quietChecks + 1;
      if (this.periodMs > 0 && !this.disposed && !this.timer) this.schedule(this.nextDelay());
    }, ms);
    this.timer.unref?.();
  }

  private nextDelay(): number {
    const most = this.options.watched?.() ? MAX_WATCHED_STRETCH : MAX_STRETCH;
    const stretch = this.quietChecks < QUIET_CHECKS_BEFORE_STRETCH ? 1 : Math.min(most, 2 ** (this.quietChecks - QUIET_CHECKS_BEFORE_STRETCH + 1));
    const delay = this.periodMs * stretch;
    // A check due already came (what it was due for may not have happened: a client attached).
    const dueIn = (this.options.dueBy?.() ?? Number.POSITIVE_INFINITY) - this.options.clock.now();
    return dueIn <= 0 ? delay : Math.max(this.periodMs, Math.min(delay, dueIn));
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
