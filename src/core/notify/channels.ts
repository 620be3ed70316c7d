/**
 * How an event goes out on each channel, as requests (pure, so that what is sent can be read in a
 * test): a webhook gets a JSON document, signed with HMAC-SHA256 where a secret is set (the
 * `X-Instar-Signature-256: sha256=<hex>` header over the exact body, as GitHub signs its
 * webhooks); ntfy gets its publishing API's message with title, priority, tags and a click link;
 * a desktop gets `notify-send` (Linux) or `osascript` (macOS), as argv.
 */
import { createHmac } from 'node:crypto';
import type { NotifyEvent } from './notifyEvents';

export type ChannelName = 'webhook' | 'ntfy' | 'desktop';

/** What a channel said to one request, for the log and the test command. */
export interface ChannelResult {
  channel: ChannelName;
  ok: boolean;
  /** "HTTP 200", "shown", or what went wrong. */
  detail: string;
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Where the event happened, and a link that opens its session in VS Code. */
export interface EventPlace {
  workspace: string;
  link?: string;
  /** The session's last answer's first lines (only where the user allowed the text). */
  answer?: string;
}

export const SIGNATURE_HEADER = 'X-Instar-Signature-256';

/** The signature header's value for `body` (the receiver computes the same and compares in constant time). */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export function webhookRequest(url: string, event: NotifyEvent, place: EventPlace, secret?: string): OutboundRequest {
  const document = {
    event: event.kind,
    id: event.id,
    at: new Date(event.at).toISOString(),
    workspace: place.workspace,
    ...(event.session ? { session: event.session } : {}),
    ...(event.state ? { state: event.state } : {}),
    ...(event.detail ? { detail: event.detail } : {}),
    ...(event.job ? { job: event.job } : {}),
    title: event.title,
    message: event.message,
    ...(place.answer ? { answer: place.answer } : {}),
    ...(place.link ? { link: place.link } : {}),
  };
  const body = JSON.stringify(document);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'instar-sessions', 'x-instar-event': event.kind, 'x-instar-delivery': event.id };
  if (secret) headers[SIGNATURE_HEADER.toLowerCase()] = signature(body, secret);
  return { url, headers, body };
}

/** ntfy's own publishing API: the message as the body, the rest as headers (ASCII only there: the title is cut to what a header can hold). */
export function ntfyRequest(url: string, event: NotifyEvent, place: EventPlace, token?: string): OutboundRequest {
  const headers: Record<string, string> = {
    title: headerText(event.title),
    priority: event.urgent ? 'high' : event.kind === 'error' || event.kind === 'job-failed' || event.kind === 'budget' ? 'default' : 'low',
    tags: NTFY_TAGS[event.kind] ?? 'robot',
  };
  if (place.link) headers.click = place.link;
  if (token) headers.authorization = `Bearer ${token}`;
  const lines = [event.message, place.answer, `(${place.workspace})`].filter((line): line is string => Boolean(line));
  return { url, headers, body: lines.join('\n') };
}

const NTFY_TAGS: Partial<Record<NotifyEvent['kind'], string>> = {
  waiting: 'raising_hand',
  error: 'warning',
  'job-failed': 'warning,calendar',
  budget: 'moneybag',
  'batch-done': 'white_check_mark',
  test: 'test_tube',
  'held-back': 'hourglass',
};

/** A header holds Latin-1 at most: anything else becomes "?", and it stays one line. */
function headerText(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e\xa0-\xff]/g, '?').slice(0, 250);
}

/** The program and argv that show `event` on this desktop; undefined where none is known. */
export function desktopCommand(event: NotifyEvent, platform: NodeJS.Platform): { program: string; args: string[] } | undefined {
  if (platform === 'linux') return { program: 'notify-send', args: ['--app-name=Instar Sessions', `--urgency=${event.urgent ? 'critical' : 'normal'}`, '--', event.title, event.message] };
  if (platform === 'darwin') {
    // AppleScript strings: the text passed as arguments, never spliced into the script.
    return { program: 'osascript', args: ['-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run', event.title, event.message] };
  }
  return undefined;
}
