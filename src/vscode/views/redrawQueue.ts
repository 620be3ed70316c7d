/**
 * The Sessions view's redraws, one at a time: a redraw is asked of VS Code only once it fetched
 * the last one asked for (or that one waited IN_FLIGHT_MS); those asked for meanwhile wait,
 * merged into one. VS Code redraws one change after the other, so a burst of changes on a busy
 * machine would otherwise queue up redraws of rows already drawn again. Kept apart from VS Code
 * so that it runs in plain Node tests.
 */
import type { Disposable } from '../../core/util/disposables';

/** How long a redraw may wait for VS Code to fetch it before the next goes anyway. */
export const IN_FLIGHT_MS = 1000;

export class RedrawQueue<Part> implements Disposable {
  /**
   * When the last redraw was asked for, while VS Code has not fetched anything since: redraws
   * asked for meanwhile wait, merged, so that they never queue up behind a slow one.
   */
  private inFlightSince: number | undefined;
  private pendingWhole = false;
  private readonly pendingParts = new Set<Part>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;

  /** `send` asks VS Code to redraw these parts (undefined: the whole list). */
  constructor(private readonly send: (parts: Part[] | undefined) => void) {}

  /** Asks VS Code to redraw `parts` (undefined: the whole list), or, while it has not fetched the last redraw asked for, keeps them for the next (they merge). */
  redraw(parts: readonly Part[] | undefined): void {
    const now = Date.now();
    if (parts === undefined) this.pendingWhole = true;
    else for (const part of parts) this.pendingParts.add(part);
    if (this.inFlightSince !== undefined && now - this.inFlightSince < IN_FLIGHT_MS) {
      // Not fetched yet: what waits goes with the next fetch, or when the wait is over (a hidden
      // view, or a row scrolled out of sight, fetches nothing).
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, IN_FLIGHT_MS - (now - this.inFlightSince));
      return;
    }
    this.flush();
  }

  /** VS Code fetched something: the redraw asked for is under way; what waited goes next. */
  fetched(): void {
    if (this.inFlightSince === undefined) return;
    this.inFlightSince = undefined;
    if (!this.pendingWhole && this.pendingParts.size === 0) return;
    // After this fetch's turn: not in the middle of VS Code's reading.
    setTimeout(() => this.redraw([]), 0);
  }

  /** Asks VS Code for every redraw that waits, as one. */
  private flush(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pendingWhole && this.pendingParts.size === 0) return;
    const parts = this.pendingWhole ? undefined : [...this.pendingParts];
    this.pendingWhole = false;
    this.pendingParts.clear();
    this.inFlightSince = Date.now();
    this.send(parts);
  }

  dispose(): void {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
  }
}
