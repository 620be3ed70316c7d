/**
 * Notifications that reach a person away from the editor: a webhook, ntfy, a desktop
 * notification. The engine that leads its workspace sends (a window or the keeper), each event
 * once: what was sent, and what is being sent (with the time by which its sender will have said
 * how it went), is written in the state folder (`notified.json`), so that an engine that takes
 * the lead sends what stands unsent (a session still waiting, one that failed in the last hour),
 * and what its predecessor was sending: at once where it ended and said so or its process is
 * gone (killed, crashed), past that time where it may still be at it, never where it finished.
 * (A crash in the middle of a request that had arrived makes that one arrive twice: its
 * `X-Instar-Delivery` id says it is the same.)
 *
 * Each channel sends one request at a time, never in the engine's way: at most `maxPerMinute`
 * in a minute, what comes past that held back and told as one summary when the minute is over; a
 * failing endpoint (a refusal, a time-out, a 5xx or 429) tried again after 2, 8 and 30 s, each
 * failure logged. The prompt, what a dialog asks and the last answer are left out unless the
 * user allowed the text (they may hold secrets).
 */
import { NOTIFY_KINDS, NotifyKind } from '../model/notifyKind';
import type { SessionRecord, SessionStatus } from '../model/sessionRecord';
import type { Settings } from '../settings/instarSettings';
import type { SessionEngine } from '../sessions/sessionEngine';
import { CommandRunner, ExecaRunner } from '../util/commandRunner';
import { Clock, Logger, systemClock } from '../util/host';
import { ChannelQueue } from './channelQueue';
import { ChannelName, ChannelResult, desktopCommand, EventPlace, ntfyRequest, OutboundRequest, webhookRequest } from './channels';
import { eventFor, isWanted, NotifyEvent, standingEvents } from './notifyEvents';
import { readSecrets } from './notifySecrets';
import { abandoned, SentLog } from './sentLog';

export interface NotifyConfig {
  /** Where the webhook's POSTs go ('' or undefined: no webhook). */
  webhookUrl?: string;
  /** An ntfy topic's URL, such as https://ntfy.sh/my-topic. */
  ntfyUrl?: string;
  /** A desktop notification on this machine (the keeper's, with no window to show one). */
  desktop?: boolean;
  /** What is sent (default: every kind). */
  kinds?: readonly NotifyKind[];
  /** Which sessions: `label:<label>`, `job:<slug>` or a session name with `*` (default: every one). */
  only?: readonly string[];
  /** The prompt's ask and the last answer go too. */
  includeText?: boolean;
  /** Sent per channel in a minute at most (default 6). */
  maxPerMinute?: number;
  /** The URI scheme of the editor that opens a session's link (default "vscode"). */
  linkScheme?: string;
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
  /** The kinds a job's runs are told by, where the job chose its own (jobs.json's `notify`). */
  jobNotify?: (slug: string) => readonly NotifyKind[] | undefined;
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

const DEFAULT_RETRY_DELAYS_MS = [2000, 8000, 30_000];
const DEFAULT_RATE_WINDOW_MS = 60_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PER_MINUTE = 6;
/** How often what a predecessor was sending is read again. */
const RECHECK_MS = 3000;
/** A leader that takes over tells what stands unsent from this far back. */
const CATCH_UP_MS = 3600_000;

export class RemoteNotifier {
  private config: NotifyConfig = {};
  private leading = false;
  private disposed = false;
  private readonly lastStatus = new Map<string, SessionStatus>();
  private readonly queues = new Map<ChannelName, ChannelQueue>();
  private readonly sentLog: SentLog;
  private readonly retryDelaysMs: readonly number[];
  private readonly rateWindowMs: number;
  private readonly requestTimeoutMs: number;
  /** The events this notifier is sending. */
  private readonly inFlight = new Map<string, NotifyEvent>();
  /** Checks of what a predecessor was sending, at the time it will have said how it went. */
  private readonly rechecks = new Set<NodeJS.Timeout>();
  private readonly subscription: { dispose(): void };

  constructor(private readonly options: NotifierOptions) {
    this.sentLog = new SentLog(options.stateDir, options.clock, options.logger);
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.rateWindowMs = options.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
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

  private wanted(event: NotifyEvent): boolean {
    const jobKinds = event.job === undefined ? undefined : this.options.jobNotify?.(event.job);
    return isWanted(event, { kinds: this.config.kinds ?? NOTIFY_KINDS, only: this.config.only ?? [] }, jobKinds);
  }

  private take(record: SessionRecord): void {
    const previous = this.lastStatus.get(record.name);
    this.lastStatus.set(record.name, record.status);
    if (!this.leading || this.disposed || this.channels.length === 0) return;
    const members = record.batch ? this.options.records().filter((other) => other.batch === record.batch) : [];
    const event = eventFor(record, previous, members, this.config.includeText);
    if (event && this.wanted(event)) void this.dispatch(event);
  }

  /** What stands unsent (sent by no engine before): a wait, a failure of the last hour; and what a predecessor was sending. */
  private async catchUp(): Promise<void> {
    if (this.channels.length === 0) return;
    const sent = await this.sentLog.read();
    const now = this.options.clock.now();
    for (const [id, entry] of Object.entries(sent)) {
      if (entry.state !== 'sending' || !entry.event || this.inFlight.has(id)) continue;
      if (abandoned(entry, now)) await this.dispatch(entry.event, true);
      else this.recheck(id, (entry.until ?? 0) - now);
    }
    const standing = standingEvents(this.options.records(), now - CATCH_UP_MS, this.config.includeText).filter((event) => this.wanted(event));
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
      void this.sentLog.read().then((sent) => {
        const entry = sent[id];
        if (entry?.state !== 'sending' || !entry.event || this.inFlight.has(id)) return undefined;
        if (abandoned(entry, this.options.clock.now())) return this.dispatch(entry.event, true);
        this.recheck(id, (entry.until ?? 0) - this.options.clock.now());
        return undefined;
      });
    }, Math.min(RECHECK_MS, Math.max(0, remainingMs) + 500));
    timer.unref?.();
    this.rechecks.add(timer);
  }

  /** The longest one event can take to be sent on a channel (held back by the limit, then every try). */
  private get longestSendMs(): number {
    const delays = this.retryDelaysMs;
    return this.rateWindowMs + delays.reduce((sum, delay) => sum + delay, 0) + (delays.length + 1) * this.requestTimeoutMs;
  }

  /** Sends `event` unless it is on record (`again`: unless it is on record as sent or failed). */
  private async dispatch(event: NotifyEvent, again = false): Promise<void> {
    // Taken before the record is read: a second call for the same event while it is read sends nothing.
    if (this.inFlight.has(event.id)) return;
    this.inFlight.set(event.id, event);
    const entry = (await this.sentLog.read())[event.id];
    if (entry && (!again || entry.state !== 'sending')) {
      this.inFlight.delete(event.id);
      return;
    }
    const now = this.options.clock.now();
    // Written while the requests go (not before them: a request waits for no file); the outcome is
    // written after it, the writes being one after another. Lost with a crash before it is written,
    // the event is still sent by the next leader where it stands (a wait, a failure).
    void this.sentLog.write(event.id, { state: 'sending', at: now, until: now + this.longestSendMs, pid: process.pid, event });
    const results = await Promise.all(this.channels.map((channel) => this.queue(channel).push(event)));
    this.inFlight.delete(event.id);
    // An engine that ended meanwhile said so (dispose): the next leader sends it.
    if (this.disposed) return;
    await this.sentLog.write(event.id, { state: results.some((result) => result.ok) ? 'sent' : 'failed', at: this.options.clock.now() });
  }

  private queue(channel: ChannelName): ChannelQueue {
    let queue = this.queues.get(channel);
    if (!queue) {
      queue = new ChannelQueue(channel, {
        send: (event) => this.send(channel, event, this.retryDelaysMs.length + 1),
        limit: () => this.config.maxPerMinute ?? DEFAULT_MAX_PER_MINUTE,
        windowMs: this.rateWindowMs,
        clock: this.options.clock,
        logger: this.options.logger,
      });
      this.queues.set(channel, queue);
    }
    return queue;
  }

  /** One event on one channel: tried as often as retryDelaysMs says (once, with tries 1). */
  private async send(channel: ChannelName, event: NotifyEvent, tries?: number): Promise<ChannelResult> {
    const delays = this.retryDelaysMs;
    const attempts = tries ?? 1;
    let result: ChannelResult = { channel, ok: false, detail: 'not sent' };
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      result = await this.sendOnce(channel, event);
      if (result.ok) return result;
      const last = attempt === attempts || !retryable(result.detail);
      const delay = delays[attempt - 1] ?? 0;
      this.options.logger.warn(`Notification ${event.kind}${event.session ? ` of ${event.session}` : ''} by ${channel} failed: ${result.detail}${last ? '; not tried again' : `; trying again in ${delay / 1000} s`}`);
      if (last) return result;
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.disposed) return result;
    }
    return result;
  }

  private async sendOnce(channel: ChannelName, event: NotifyEvent): Promise<ChannelResult> {
    try {
      if (channel === 'desktop') {
        const command = desktopCommand(event, this.platform)!;
        const run = await this.options.runner.run(command.program, command.args, { timeoutMs: this.requestTimeoutMs });
        if (run.spawnError) return { channel, ok: false, detail: `${command.program} could not start: ${run.spawnError.message}` };
        return run.exitCode === 0 ? { channel, ok: true, detail: 'shown' } : { channel, ok: false, detail: `${command.program} exited with ${run.exitCode}: ${run.stderr.trim()}` };
      }
      const request = await this.request(channel, event);
      const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(this.requestTimeoutMs), redirect: 'error' });
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

  /** Ends: what it was sending is left on record for the next leader to send at once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.subscription.dispose();
    for (const timer of this.rechecks) clearTimeout(timer);
    for (const [id, event] of this.inFlight) void this.sentLog.write(id, { state: 'sending', at: this.options.clock.now(), until: 0, event });
    for (const queue of this.queues.values()) queue.dispose();
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
    only: settings.notifyOnly,
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
