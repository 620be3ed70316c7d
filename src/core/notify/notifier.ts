/**
 * Notifications that reach a person away from the editor: a webhook, ntfy, a desktop
 * notification. The engine that leads its workspace sends (a window or the keeper), each event
 * once: what was sent, and what is being sent (with the time by which its sender will have said
 * how it went), is written in the state folder (`notified.json`), so that an engine that takes
 * the lead sends what stands unsent (a session still waiting, one that failed in the last hour),
 * and what its predecessor was sending: at once where it ended and said so, past that time where
 * it crashed, never where it finished. (A crash in the middle of a request that had arrived makes
 * that one arrive twice: its `X-Instar-Delivery` id says it is the same.)
 *
 * Each channel sends one request at a time, never in the engine's way: at most `maxPerMinute`
 * in a minute, what comes past that held back and told as one summary when the minute is over; a
 * failing endpoint (a refusal, a time-out, a 5xx or 429) tried again after 2, 8 and 30 s, each
 * failure logged. The prompt, what a dialog asks and the last answer are left out unless the
 * user allowed the text (they may hold secrets).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { NOTIFY_KINDS, NotifyKind } from '../model/notifyKind';
import type { SessionRecord, SessionStatus } from '../model/sessionRecord';
import type { Settings } from '../settings/instarSettings';
import { writeFileAtomic } from '../util/atomicWrite';
import type { SessionEngine } from '../sessions/sessionEngine';
import { CommandRunner, ExecaRunner } from '../util/commandRunner';
import { Clock, Logger, systemClock } from '../util/host';
import { ChannelName, desktopCommand, EventPlace, ntfyRequest, OutboundRequest, webhookRequest } from './channels';
import { eventFor, heldBackEvent, NotifyEvent, standingEvents } from './notifyEvents';

export interface NotifyConfig {
  /** Where the webhook's POSTs go ('' or undefined: no webhook). */
  webhookUrl?: string;
  /** An ntfy topic's URL, such as https://ntfy.sh/my-topic. */
  ntfyUrl?: string;
  /** A desktop notification on this machine (the keeper's, with no window to show one). */
  desktop?: boolean;
  /** What is sent (default: every kind). */
  kinds?: readonly NotifyKind[];
  /** The prompt's ask and the last answer go too. */
  includeText?: boolean;
  /** Sent per channel in a minute at most (default 6). */
  maxPerMinute?: number;
  /** The URI scheme of the editor that opens a session's link (default "vscode"). */
  linkScheme?: string;
}

/** The secrets of the channels, in the state folder's `notify-secrets.json` (readable by the user alone). */
export interface NotifySecrets {
  webhookSecret?: string;
  ntfyToken?: string;
}

export interface NotifierOptions {
  stateDir: string;
  /** The workspace's folder: in every event, and in its link. */
  workspace: string;
  /** The extension's id, for the link that opens a session. */
  extensionId?: string;
  /** The store's records and their changes. */
  records: () => readonly SessionRecord[];
  onDidChange: (listener: (change: { changed: readonly SessionRecord[]; removed: readonly string[] }) => void) => { dispose(): void };
  /** A session's last answer, where the text is allowed. */
  answerOf: (name: string) => Promise<string | undefined>;
  /** Runs the desktop's notifier (execa). */
  runner: CommandRunner;
  clock: Clock;
  logger: Logger;
  platform?: NodeJS.Platform;
  /** Between tries of a failing request (default 2, 8 and 30 s). */
  retryDelaysMs?: readonly number[];
  /** The rate limit's window (default a minute). */
  rateWindowMs?: number;
  /** One request's limit (default 10 s). */
  requestTimeoutMs?: number;
}

/** What a channel said to one request, for the log and the test command. */
export interface ChannelResult {
  channel: ChannelName;
  ok: boolean;
  /** "HTTP 200", "shown", or what went wrong. */
  detail: string;
}

const SENT_FILE = 'notified.json';
const DEFAULT_RETRY_DELAYS_MS = [2000, 8000, 30_000];
/** How often what a predecessor was sending is read again. */
const RECHECK_MS = 3000;
export const SECRETS_FILE = 'notify-secrets.json';
/** A leader that takes over tells what stands unsent from this far back. */
const CATCH_UP_MS = 3600_000;
/** How long the record of what was sent keeps an entry, and how many it keeps. */
const SENT_KEEP_MS = 7 * 24 * 3600_000;
const SENT_KEEP_ENTRIES = 2000;

interface SentEntry {
  state: 'sending' | 'sent' | 'failed';
  at: number;
  /** While sending: by when its sender will have written how it went (0: it ended, sending no more). */
  until?: number;
  /** Kept while it is being sent, for a leader that takes over to send it again. */
  event?: NotifyEvent;
}

type SentRecord = Record<string, SentEntry>;

export class RemoteNotifier {
  private config: NotifyConfig = {};
  private leading = false;
  private disposed = false;
  private readonly lastStatus = new Map<string, SessionStatus>();
  private readonly queues = new Map<ChannelName, ChannelQueue>();
  /** The record's writes, one after another. */
  private writing: Promise<void> = Promise.resolve();
  /** The events this notifier is sending. */
  private readonly inFlight = new Map<string, NotifyEvent>();
  /** Checks of what a predecessor was sending, at the time it will have said how it went. */
  private readonly rechecks = new Set<NodeJS.Timeout>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly options: NotifierOptions) {
    for (const record of options.records()) this.lastStatus.set(record.name, record.status);
    this.subscription = options.onDidChange(({ changed, removed }) => {
      for (const record of changed) this.take(record);
      for (const name of removed) this.lastStatus.delete(name);
    });
  }

  /** Takes the channels and choices; a URL that is not http(s) leaves its channel off, said in the log. */
  configure(config: NotifyConfig): void {
    const checked = { ...config };
    for (const key of ['webhookUrl', 'ntfyUrl'] as const) {
      const url = checked[key];
      if (url && !isHttpUrl(url)) {
        this.options.logger.warn(`Notifications: instar.notify.${key} is not an http(s) URL (${JSON.stringify(url)}); that channel stays off`);
        checked[key] = undefined;
      }
    }
    this.config = checked;
  }

  /** The channels set up now. */
  get channels(): ChannelName[] {
    const channels: ChannelName[] = [];
    if (this.config.webhookUrl) channels.push('webhook');
    if (this.config.ntfyUrl) channels.push('ntfy');
    if (this.config.desktop && desktopCommand(probeEvent(), this.platform)) channels.push('desktop');
    return channels;
  }

  /** On while this engine leads: it sends, and on taking the lead sends what stands unsent. */
  setLeading(on: boolean): void {
    const took = on && !this.leading;
    this.leading = on;
    if (took) void this.catchUp().catch((error: Error) => this.options.logger.warn(`Notifications: could not catch up: ${error.message}`));
  }

  /** Sends a test notification on every channel set up, once each, and says what each answered. */
  async test(): Promise<ChannelResult[]> {
    const event: NotifyEvent = { ...probeEvent(), at: this.options.clock.now(), id: `test:${this.options.clock.now()}` };
    return Promise.all(this.channels.map((channel) => this.send(channel, event)));
  }

  private get platform(): NodeJS.Platform {
    return this.options.platform ?? process.platform;
  }

  private get kinds(): readonly NotifyKind[] {
    return this.config.kinds ?? NOTIFY_KINDS;
  }

  private take(record: SessionRecord): void {
    const previous = this.lastStatus.get(record.name);
    this.lastStatus.set(record.name, record.status);
    if (!this.leading || this.disposed || this.channels.length === 0) return;
    const members = record.batch ? this.options.records().filter((other) => other.batch === record.batch) : [];
    const event = eventFor(record, previous, members, this.config.includeText);
    if (event && this.kinds.includes(event.kind as NotifyKind)) void this.dispatch(event);
  }

  /** What stands unsent (sent by no engine before): a wait, a failure of the last hour; and what a predecessor was sending. */
  private async catchUp(): Promise<void> {
    if (this.channels.length === 0) return;
    const sent = await this.readSent();
    const now = this.options.clock.now();
    for (const [id, entry] of Object.entries(sent)) {
      if (entry.state !== 'sending' || !entry.event || this.inFlight.has(id)) continue;
      if ((entry.until ?? 0) <= now) await this.dispatch(entry.event, true);
      else this.recheck(id, (entry.until ?? 0) - now);
    }
    const standing = standingEvents(this.options.records(), now - CATCH_UP_MS, this.config.includeText).filter((event) => this.kinds.includes(event.kind as NotifyKind));
    for (const event of standing) if (!sent[event.id]) await this.dispatch(event);
  }

  /**
   * What a predecessor that may still be at it was sending: sent here once it has said it ended,
   * or has not said how it went by the time it gave (read again every few seconds until then).
   */
  private recheck(id: string, remainingMs: number): void {
    const timer = setTimeout(() => {
      this.rechecks.delete(timer);
      if (!this.leading || this.disposed) return;
      void this.readSent().then((sent) => {
        const entry = sent[id];
        if (entry?.state !== 'sending' || !entry.event || this.inFlight.has(id)) return undefined;
        if ((entry.until ?? 0) <= this.options.clock.now()) return this.dispatch(entry.event, true);
        this.recheck(id, (entry.until ?? 0) - this.options.clock.now());
        return undefined;
      });
    }, Math.min(RECHECK_MS, Math.max(0, remainingMs) + 500));
    timer.unref?.();
    this.rechecks.add(timer);
  }

  /** The longest one event can take to be sent on a channel (held back by the limit, then every try). */
  private get longestSendMs(): number {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    return (this.options.rateWindowMs ?? 60_000) + delays.reduce((sum, delay) => sum + delay, 0) + (delays.length + 1) * (this.options.requestTimeoutMs ?? 10_000);
  }

  /** Sends `event` unless it is on record (`again`: unless it is on record as sent or failed). */
  private async dispatch(event: NotifyEvent, again = false): Promise<void> {
    const entry = (await this.readSent())[event.id];
    if (entry && (!again || entry.state !== 'sending')) return;
    if (this.inFlight.has(event.id)) return;
    this.inFlight.set(event.id, event);
    const now = this.options.clock.now();
    // Written while the requests go (not before them: a request waits for no file); the outcome is
    // written after it, the writes being one after another. Lost with a crash before it is written,
    // the event is still sent by the next leader where it stands (a wait, a failure).
    void this.record(event.id, { state: 'sending', at: now, until: now + this.longestSendMs, event });
    const results = await Promise.all(this.channels.map((channel) => this.queue(channel).push(event)));
    this.inFlight.delete(event.id);
    // An engine that ended meanwhile said so (dispose): the next leader sends it.
    if (this.disposed) return;
    await this.record(event.id, { state: results.some((result) => result.ok) ? 'sent' : 'failed', at: this.options.clock.now() });
  }

  private queue(channel: ChannelName): ChannelQueue {
    let queue = this.queues.get(channel);
    if (!queue) {
      queue = new ChannelQueue(channel, {
        send: (event, tries) => this.send(channel, event, tries),
        limit: () => this.config.maxPerMinute ?? 6,
        windowMs: this.options.rateWindowMs ?? 60_000,
        clock: this.options.clock,
        logger: this.options.logger,
      });
      this.queues.set(channel, queue);
    }
    return queue;
  }

  /** One event on one channel: tried as often as retryDelaysMs says (once, with tries 1). */
  private async send(channel: ChannelName, event: NotifyEvent, tries?: number): Promise<ChannelResult> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const attempts = tries ?? 1;
    let result: ChannelResult = { channel, ok: false, detail: 'not sent' };
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      result = await this.sendOnce(channel, event);
      if (result.ok) return result;
      const last = attempt === attempts || !retryable(result.detail);
      this.options.logger.warn(`Notification ${event.kind}${event.session ? ` of ${event.session}` : ''} by ${channel} failed: ${result.detail}${last ? '; not tried again' : `; trying again in ${(delays[attempt - 1] ?? 30_000) / 1000} s`}`);
      if (last) return result;
      await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1] ?? 30_000));
      if (this.disposed) return result;
    }
    return result;
  }

  private async sendOnce(channel: ChannelName, event: NotifyEvent): Promise<ChannelResult> {
    try {
      if (channel === 'desktop') {
        const command = desktopCommand(event, this.platform)!;
        const run = await this.options.runner.run(command.program, command.args, { timeoutMs: this.options.requestTimeoutMs ?? 10_000 });
        if (run.spawnError) return { channel, ok: false, detail: `${command.program} could not start: ${run.spawnError.message}` };
        return run.exitCode === 0 ? { channel, ok: true, detail: 'shown' } : { channel, ok: false, detail: `${command.program} exited with ${run.exitCode}: ${run.stderr.trim()}` };
      }
      const request = await this.request(channel, event);
      const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000), redirect: 'error' });
      await response.body?.cancel().catch(() => undefined);
      return { channel, ok: response.ok, detail: `HTTP ${response.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { channel, ok: false, detail: (error as Error).name === 'TimeoutError' ? 'timed out' : (cause?.code ?? cause?.message ?? (error as Error).message) };
    }
  }

  private async request(channel: 'webhook' | 'ntfy', event: NotifyEvent): Promise<OutboundRequest> {
    const secrets = await readSecrets(this.options.stateDir);
    const place: EventPlace = { workspace: this.options.workspace };
    if (event.session) place.link = sessionLink(this.config.linkScheme ?? 'vscode', this.options.extensionId ?? 'instar.instar-sessions', this.options.workspace, event.session);
    if (event.session && this.config.includeText && event.kind !== 'test') place.answer = firstLines(await this.options.answerOf(event.session).catch(() => undefined));
    return channel === 'webhook' ? webhookRequest(this.config.webhookUrl!, event, place, secrets.webhookSecret) : ntfyRequest(this.config.ntfyUrl!, event, place, secrets.ntfyToken);
  }

  private get sentFile(): string {
    return path.join(this.options.stateDir, SENT_FILE);
  }

  private async readSent(): Promise<SentRecord> {
    try {
      const data: unknown = JSON.parse(await fs.readFile(this.sentFile, 'utf8'));
      return data && typeof data === 'object' && !Array.isArray(data) ? (data as SentRecord) : {};
    } catch {
      return {};
    }
  }

  /** Writes one entry into the record (read again each time: a predecessor may have written), pruned of old ones. */
  private record(id: string, entry: SentEntry): Promise<void> {
    this.writing = this.writing.then(async () => {
      const sent = await this.readSent();
      sent[id] = entry;
      const now = this.options.clock.now();
      const kept = Object.entries(sent)
        .filter(([, value]) => now - value.at < SENT_KEEP_MS)
        .sort((a, b) => b[1].at - a[1].at)
        .slice(0, SENT_KEEP_ENTRIES);
      await writeFileAtomic(this.sentFile, JSON.stringify(Object.fromEntries(kept)), { makeDir: true });
    }).catch((error: Error) => this.options.logger.warn(`Notifications: could not write ${SENT_FILE}: ${error.message}`));
    return this.writing;
  }

  /** Ends: what it was sending is left on record for the next leader to send at once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.subscription.dispose();
    for (const timer of this.rechecks) clearTimeout(timer);
    for (const [id, event] of this.inFlight) void this.record(id, { state: 'sending', at: this.options.clock.now(), until: 0, event });
    for (const queue of this.queues.values()) queue.dispose();
  }
}

/**
 * One channel's sending: one request at a time, in order; at most `limit` in a window, the rest
 * held back and sent as one summary when the window is over (each held one's promise answered then).
 */
class ChannelQueue {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly times: number[] = [];
  private held: { event: NotifyEvent; done: (result: ChannelResult) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: ChannelName,
    private readonly options: { send: (event: NotifyEvent, tries: number) => Promise<ChannelResult>; limit: () => number; windowMs: number; clock: Clock; logger: Logger },
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
    this.times.push(now);
    const sent = this.chain.then(() => this.options.send(event, 4));
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
    this.times.push(this.options.clock.now());
    const sent = this.chain.then(() => this.options.send(summary, 4));
    this.chain = sent.catch(() => undefined);
    void sent.then((result) => held.forEach((entry) => entry.done(result)), () => held.forEach((entry) => entry.done({ channel: this.channel, ok: false, detail: 'failed' })));
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const entry of this.held) entry.done({ channel: this.channel, ok: false, detail: 'the engine ended' });
    this.held = [];
  }
}

/** A notifier on an engine's sessions, as a host builds one (execa for the desktop's program, the system clock). */
export function engineNotifier(engine: SessionEngine, options: Pick<NotifierOptions, 'stateDir' | 'workspace' | 'logger'> & Partial<NotifierOptions>): RemoteNotifier {
  return new RemoteNotifier({
    records: () => engine.list(),
    onDidChange: (listener) => engine.onDidChange(listener),
    answerOf: async (name) => (await engine.result(name)).answer ?? undefined,
    runner: new ExecaRunner(),
    clock: systemClock,
    ...options,
  });
}

/** The notifier's configuration from the settings; `desktop` where the host shows no notification of its own (the keeper). */
export function notifyConfigOf(settings: Settings, host: { desktop: boolean; linkScheme?: string }): NotifyConfig {
  return {
    webhookUrl: settings.notifyWebhookUrl || undefined,
    ntfyUrl: settings.notifyNtfyUrl || undefined,
    desktop: host.desktop && settings.notifyDesktop,
    kinds: NOTIFY_KINDS.filter((kind) => settings.notifyEvents.includes(kind)),
    includeText: settings.notifyIncludeText,
    maxPerMinute: settings.notifyMaxPerMinute,
    linkScheme: host.linkScheme,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function probeEvent(): NotifyEvent {
  return { id: 'test', kind: 'test', at: 0, title: 'Instar Sessions: a test notification', message: 'Notifications from this workspace reach you here.', urgent: false };
}

/** Refusals that another try will not change: a 4xx other than 408 and 429, an address that is not one. */
function retryable(detail: string): boolean {
  const status = /^HTTP (\d+)$/.exec(detail);
  if (status) return Number(status[1]) >= 500 || status[1] === '429' || status[1] === '408';
  return !/Invalid URL|ERR_INVALID_URL|could not start/.test(detail);
}

/** The first lines of an answer (at most 5 and 600 characters). */
function firstLines(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const lines = text.trim().split('\n').slice(0, 5).join('\n');
  return lines.length > 600 ? `${lines.slice(0, 599)}…` : lines;
}

/** A link that opens the session in the editor (the extension's URI handler). */
export function sessionLink(scheme: string, extensionId: string, workspace: string, session: string): string {
  return `${scheme}://${extensionId}/open?${new URLSearchParams({ session, workspace }).toString()}`;
}

export async function readSecrets(stateDir: string): Promise<NotifySecrets> {
  try {
    const data = JSON.parse(await fs.readFile(path.join(stateDir, SECRETS_FILE), 'utf8')) as NotifySecrets;
    return { webhookSecret: typeof data.webhookSecret === 'string' ? data.webhookSecret : undefined, ntfyToken: typeof data.ntfyToken === 'string' ? data.ntfyToken : undefined };
  } catch {
    return {};
  }
}

/** Writes the channels' secrets (readable by the user alone); an empty value removes one. */
export async function writeSecrets(stateDir: string, change: NotifySecrets): Promise<void> {
  const secrets = { ...(await readSecrets(stateDir)), ...change };
  for (const key of Object.keys(secrets) as (keyof NotifySecrets)[]) if (!secrets[key]) delete secrets[key];
  await writeFileAtomic(path.join(stateDir, SECRETS_FILE), JSON.stringify(secrets), { mode: 0o600, makeDir: true });
}
