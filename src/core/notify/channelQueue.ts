/**
 * One channel's sending: one request at a time, in order; at most `limit` in a window, the rest
 * held back and sent as one summary when the window is over (each held one's promise answered then).
 */
import type { Clock, Logger } from '../util/host';
import type { ChannelName, ChannelResult } from './channels';
import { heldBackEvent, NotifyEvent } from './notifyEvents';

export interface ChannelQueueOptions {
  /** Sends one event (with its tries). */
  send: (event: NotifyEvent) => Promise<ChannelResult>;
  /** The most sent in a window (read at each push: the setting may change). */
  limit: () => number;
  windowMs: number;
  clock: Clock;
  logger: Logger;
}

export class ChannelQueue {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly times: number[] = [];
  private held: { event: NotifyEvent; done: (result: ChannelResult) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: ChannelName,
    private readonly options: ChannelQueueOptions,
  ) {}

  push(event: NotifyEvent): Promise<ChannelResult> {
    const now = this.options.clock.now();
    while (this.times.length > 0 && now - this.times[0] >= this.options.windowMs) this.times.shift();
    if (this.times.length >= this.options.limit() || this.held.length > 0) {
      return new Promise((done) => {
        this.held.push({ event, done });
        this.timer ??= setTimeout(() => this.release(), Math.max(0, this.options.windowMs - (now - (this.times[0] ?? now))));
        this.timer.unref?.();
      });
    }
    return this.enqueue(event, now);
  }

  private enqueue(event: NotifyEvent, now: number): Promise<ChannelResult> {
    this.times.push(now);
    const sent = this.chain.then(() => this.options.send(event));
    this.chain = sent.catch(() => undefined);
    return sent;
  }

  /** The window is over: what was held goes as one summary. */
  private release(): void {
    this.timer = undefined;
    const held = this.held;
    this.held = [];
    if (held.length === 0) return;
    this.options.logger.info(`Notifications by ${this.channel}: ${held.length} held back past the limit, sent as one`);
    const summary = held.length === 1 ? held[0].event : heldBackEvent(held.map((entry) => entry.event), this.options.clock.now());
    void this.enqueue(summary, this.options.clock.now()).then(
      (result) => held.forEach((entry) => entry.done(result)),
      () => held.forEach((entry) => entry.done({ channel: this.channel, ok: false, detail: 'failed' })),
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const entry of this.held) entry.done({ channel: this.channel, ok: false, detail: 'the engine ended' });
    this.held = [];
  }
}
